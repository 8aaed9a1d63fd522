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
      'policy       (none loaded)',
    ]);
  });

  it('shows keys it does not know as JSON rather than hiding them', () => {
    const text = formatStatus('ws://h/v1', { ...status, policyRevision: 'sha256:abc', journal: { segments: 2 } } as DaemonStatusResult);
    expect(text).toContain('policy       sha256:abc');
    expect(text).toContain('journal      {"segments":2}');
  });

  it('shows the newest rejected policy edit next to the revision still in force', () => {
    const policy = {
      ...status.policy,
      revision: 'sha256:abc',
      lastError: { revision: 'sha256:def', at: '2026-11-24T08:00:00.000Z', diagnostics: [{ code: 'REGO1001', message: 'm', text: 'aiws/x.rego:3:5: unexpected token\n  3 | x ==\n' }, { code: 'REGO1002', message: 'n', text: 'other' }] },
    };
    const lines = formatStatus('ws://h/v1', { ...status, policyRevision: 'sha256:abc', policy }).split('\n');
    expect(lines).toContain('policy        sha256:abc');
    expect(lines).toContain('policy error  2026-11-24T08:00:00.000Z: aiws/x.rego:3:5: unexpected token (and 1 more)');
    expect(lines.some((l) => l.includes('"lastError"'))).toBe(false);
  });
});
