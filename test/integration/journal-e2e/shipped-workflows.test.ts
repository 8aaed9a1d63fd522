// Replay of every shipped store workflow (workflows/<name>/<version>/): each is run through the real
// daemon with the input of its first test case, the capabilities answering for real (here: an empty
// kv store, an empty run workspace, no network beyond 127.0.0.1, so several calls fail or are denied
// and the workflows take their error paths), and the run replays identically from the journal.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { startOn, tempDir } from './journal-daemon.ts';

const store = fileURLToPath(new URL('../../../workflows', import.meta.url));
const shipped = readdirSync(store).flatMap((name) => readdirSync(join(store, name)).map((version) => ({ name, version })));

function firstInput(name: string, version: string): unknown {
  const dir = join(store, name, version, 'tests');
  const file = readdirSync(dir).includes('functional.yaml') ? 'functional.yaml' : 'cases.yaml';
  const cases = parse(readFileSync(join(dir, file), 'utf8'), { merge: true }) as { cases: { input?: unknown }[] };
  return cases.cases[0]?.input ?? null;
}

describe('journal end to end', () => {
  describe('replay of the shipped workflows', () => {
    it('replays a run of every shipped workflow identically', async () => {
      expect(shipped.length).toBeGreaterThanOrEqual(5);
      const daemon = await startOn(await tempDir(), { store: { dir: store, watch: false } });
      const client = await daemon.connect();
      for (const { name, version } of shipped) {
        const { runId } = await client.request<{ runId: string }>('runs.start', { workflow: `${name}@${version}`, input: firstInput(name, version) });
        const terminal = await client.settled(runId);
        expect(['run.completed', 'run.failed'], `${name}: ${JSON.stringify(terminal.data)}`).toContain(terminal.type);
        const accepted = client.eventsOf(runId)[0];
        expect(accepted?.data).toMatchObject({ code: { kind: 'workflow', name, version }, codeDigest: expect.stringMatching(/^sha256:/) as unknown });
        const report = await client.request<{ result: string; calls: number }>('runs.replay', { runId });
        expect(report, name).toMatchObject({ result: 'identical', complete: true });
        // Each made at least one real capability call whose recorded result the replay fed back.
        expect(report.calls, name).toBeGreaterThanOrEqual(1);
      }
    });
  });
});
