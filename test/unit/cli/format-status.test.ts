// formatStatus renders daemon.status for people, known keys first, unknown ones still shown.
import { describe, expect, it } from 'vitest';
import { formatStatus } from '../../../src/cli/format-status.ts';
import type { DaemonStatusResult } from '../../../src/client/index.ts';

const status: DaemonStatusResult = {
  version: '0.1.0',
  uptimeMs: 65_000,
  state: 'running',
  runs: { queued: 0, running: 1, completed: 7, failed: 2, cancelled: 0, interrupted: 0 },
  pool: { workers: 1, idleIsolates: 2, activeRuns: 1, workerRestarts: 0 },
  connections: 3,
  policyRevision: null,
  policy: { revision: null, loadedAt: null, source: null, entrypoints: [], watching: true },
};

describe('formatStatus', () => {
  it('aligns one line per key with readable counts', () => {
    expect(formatStatus('ws://127.0.0.1:7777/v1', status).split('\n')).toEqual([
      'daemon       ws://127.0.0.1:7777/v1 (aiws 0.1.0)',
      'state        running',
      'uptime       1 m 05 s',
      'connections  3',
      'runs         queued 0 · running 1 · completed 7 · failed 2 · cancelled 0 · interrupted 0',
      'pool         workers 1 · idle isolates 2 · active runs 1 · worker restarts 0',
      'policy       (none loaded: every decision denies) · hot reload on',
    ]);
  });

  it('summarises the policy in force: revision, source, load time, hot reload and entrypoints', () => {
    const policy = { revision: 'sha256:abc', loadedAt: '2026-11-24T08:00:00.000Z', source: 'rego', entrypoints: ['aiws/capabilities/allow', 'aiws/jobs/admit'], watching: false } as const;
    const lines = formatStatus('ws://h/v1', { ...status, policyRevision: 'sha256:abc', policy }).split('\n');
    expect(lines.slice(-2)).toEqual([
      'policy       sha256:abc (rego, loaded 2026-11-24T08:00:00.000Z, hot reload off)',
      'entrypoints  aiws/capabilities/allow, aiws/jobs/admit',
    ]);
  });

  it('summarises the store and lists the versions left out of its index', () => {
    const problems = Array.from({ length: 7 }, (_, i) => ({ dir: `broken/1.0.${i}`, message: 'workflow.yaml: "version" must match the directory' }));
    const lines = formatStatus('ws://h/v1', { ...status, store: { dir: '/srv/workflows', workflows: 5, versions: 12, verified: 4, generation: 3, problems } }).split('\n');
    const at = lines.findIndex((line) => line.startsWith('store '));
    expect(lines.slice(at)).toEqual([
      'store        5 workflows · 12 versions · 4 verified · 7 problems (/srv/workflows)',
      ...problems.slice(0, 5).map((p) => `             ${p.dir}: ${p.message}`),
      '             (and 2 more)',
    ]);
    expect(lines.some((line) => line.includes('"generation"'))).toBe(false);
    const one = formatStatus('ws://h/v1', { ...status, store: { dir: 'w', workflows: 1, versions: 1, verified: 1, generation: 1, problems: [] } });
    expect(one.split('\n').at(-1)).toBe('store        1 workflow · 1 version · 1 verified (w)');
  });

  it('shows keys it does not know as JSON rather than hiding them', () => {
    const text = formatStatus('ws://h/v1', { ...status, policyRevision: 'sha256:abc', journal: { segments: 2 } } as DaemonStatusResult);
    expect(text).toContain('policy       sha256:abc');
    expect(text).not.toContain('"revision"');
    expect(text).toContain('journal      {"segments":2}');
  });

  it('shows the newest rejected policy edit next to the revision still in force', () => {
    const policy = {
      ...status.policy,
      revision: 'sha256:abc',
      lastError: { revision: 'sha256:def', at: '2026-11-24T08:00:00.000Z', diagnostics: [{ code: 'REGO1001', message: 'm', text: 'aiws/x.rego:3:5: unexpected token\n  3 | x ==\n' }, { code: 'REGO1002', message: 'n', text: 'other' }] },
    };
    const lines = formatStatus('ws://h/v1', { ...status, policyRevision: 'sha256:abc', policy }).split('\n');
    expect(lines).toContain('policy        sha256:abc (hot reload on)');
    expect(lines).toContain('policy error  2026-11-24T08:00:00.000Z: aiws/x.rego:3:5: unexpected token (and 1 more)');
    expect(lines.some((l) => l.includes('"lastError"'))).toBe(false);
  });
});
