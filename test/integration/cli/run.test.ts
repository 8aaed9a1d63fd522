// `aiws run` end to end: the real CLI against a real daemon started through `aiws serve`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiwsClient, type RunEvent } from '../../../src/client/index.ts';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { startDaemon, type StartedDaemon } from '../../helpers/daemon.ts';
import { aiwsBin, runCli } from '../../helpers/run-cli.ts';

const hello = fileURLToPath(new URL('../../../examples/hello.js', import.meta.url));

let daemon: StartedDaemon;
let dir: string;
const workflow = (name: string): string => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aiws-run-'));
  await writeFile(workflow('throws.js'), `export default async function (input, ctx) {\n  ctx.log('about to fail');\n  throw new Error('boom: ' + input.why);\n}\n`);
  await writeFile(workflow('broken.js'), 'export default async function (input) {\n  return input +;\n}\n');
  await writeFile(workflow('hangs.js'), `export default async function (input, ctx) {\n  ctx.log('waiting forever');\n  await new Promise(() => {});\n}\n`);
  await writeFile(workflow('input.json'), '{"name":"Grace"}');
  daemon = await startDaemon();
});

afterAll(async () => {
  await daemon?.[Symbol.asyncDispose]();
  await rm(dir, { recursive: true, force: true });
});

describe('aiws run', () => {
  it('runs a workflow with inline --input and prints its output as JSON on stdout', async () => {
    const result = await runCli(['run', hello, '--input', '{"name":"Ada"}', '--url', daemon.url]);
    expect(result.stderr).toContain('Greeting Ada');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ greeting: 'Hello, Ada!' });
    expect(result.stderr).toMatch(/run \S+ completed in/);
  });

  it('declares --capabilities so the policy allows those calls and denies the rest', async () => {
    await writeFile(workflow('clock.js'), `export default async function (input, ctx) {\n  const now = await ctx.clock.now();\n  try { await ctx.random.bytes(1); return 'random allowed'; } catch (e) { return { year: new Date(now.epochMs).getUTCFullYear() > 2000, random: e.code }; }\n}\n`);
    const result = await runCli(['run', workflow('clock.js'), '--capabilities', 'clock.now,kv.get', '--capabilities', 'clock.now', '--url', daemon.url]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ year: true, random: 'POLICY_DENIED' });
    const bad = await runCli(['run', workflow('clock.js'), '--capabilities', 'Not A Name', '--url', daemon.url]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid --capabilities entry "Not A Name"');
  });

  it('reads --input from a file with @path and the URL from AIWS_URL', async () => {
    const result = await runCli(['run', hello, '--input', `@${workflow('input.json')}`], { env: { AIWS_URL: daemon.url } });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ greeting: 'Hello, Grace!' });
  });

  it('reads the workflow from stdin with "-"', async () => {
    const result = await runCli(['run', '-', '--url', daemon.url], { stdin: 'export default async () => ({ from: "stdin" });\n' });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ from: 'stdin' });
  });

  it('prints every event as a JSON line with --json, ending with run.completed', async () => {
    const result = await runCli(['run', hello, '--input', '{"name":"Ada"}', '--json', '--url', daemon.url]);
    expect(result.code).toBe(0);
    const events = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as RunEvent);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(new Set(events.map((event) => event.runId)).size).toBe(1);
    expect(events[0]?.type).toBe('run.accepted');
    expect(events.map((event) => event.type)).toContain('run.started');
    expect(events.find((event) => event.type === 'log')?.data).toMatchObject({ message: 'Greeting Ada', fields: { name: 'Ada' } });
    const last = events.at(-1);
    expect(last?.type).toBe('run.completed');
    expect(last?.type === 'run.completed' && last.data.output).toEqual({ greeting: 'Hello, Ada!' });
  });

  it('exits 1 and prints the code, message and guest stack when the workflow throws', async () => {
    const result = await runCli(['run', workflow('throws.js'), '--input', '{"why":"testing"}', '--url', daemon.url]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('about to fail');
    expect(result.stderr).toMatch(/failed after .*: WORKFLOW_ERROR: boom: testing/);
    expect(result.stderr).toContain('throws.js:3');
  });

  it('exits 1 with WORKFLOW_INVALID and the position when the workflow does not compile', async () => {
    const result = await runCli(['run', workflow('broken.js'), '--url', daemon.url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('WORKFLOW_INVALID');
    expect(result.stderr).toMatch(/broken\.js.*line 2, column \d+/);
  });

  it('ends the --json stream with run.failed for a failing run', async () => {
    const result = await runCli(['run', workflow('throws.js'), '--input', '{"why":"json"}', '--json', '--url', daemon.url]);
    expect(result.code).toBe(1);
    const last = JSON.parse(result.stdout.trimEnd().split('\n').at(-1) as string) as RunEvent;
    expect(last.type).toBe('run.failed');
    expect(last.type === 'run.failed' && last.data.error).toMatchObject({ code: 'WORKFLOW_ERROR', message: expect.stringContaining('boom: json') });
  });

  it('passes lowered limits to the daemon: --wall-ms ends a stuck run with LIMIT_WALL', async () => {
    const result = await runCli(['run', workflow('hangs.js'), '--wall-ms', '300', '--url', daemon.url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/failed after .*: LIMIT_WALL: /);
  });

  it('exits 1 with the daemon\'s reason when runs.start is refused', async () => {
    const result = await runCli(['run', hello, '--wall-ms', '999999999', '--url', daemon.url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^aiws run: cannot start run: .*\(LIMIT_EXCEEDS_MAXIMUM\)\n$/);
  });

  it('cancels the run on Ctrl-C (SIGINT) and exits 130', async () => {
    let runId: string | undefined;
    const result = await runCli(['run', workflow('hangs.js'), '--json', '--url', daemon.url], {
      onStdout: (chunk, child) => {
        for (const line of chunk.split('\n').filter(Boolean)) {
          const event = JSON.parse(line) as RunEvent;
          runId = event.runId;
          if (event.type === 'log') child.kill('SIGINT');
        }
      },
    });
    expect(result.code).toBe(130);
    expect(result.stderr).toContain(`cancelling run ${runId}`);
    expect(result.stdout.trimEnd().split('\n').map((line) => (JSON.parse(line) as RunEvent).type).at(-1)).toBe('run.cancelled');
    await using client = await AiwsClient.connect(daemon.url);
    expect((await client.request('runs.get', { runId: runId as string })).status).toBe('cancelled');
  });

  it('shows a live progress line with logs above it in a terminal', async () => {
    // util-linux `script` gives the CLI a real pseudo-terminal; what the terminal received comes back on stdout.
    const quote = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`;
    const command = [process.execPath, aiwsBin, 'run', hello, '--input', '{"name":"Ada"}', '--url', daemon.url].map(quote).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NO_COLOR: '1', COLUMNS: '100' } });
    let screen = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (screen += chunk));
    const [code] = (await once(child, 'close')) as [number | null];
    expect(code).toBe(0);
    expect(screen).toContain('\r\x1b[2K');
    expect(screen).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] run run_\S+ · (queued|running) · \d+ ms · \d+ events?/);
    expect(screen).toMatch(/info  Greeting Ada \{"name":"Ada"\}\r?\n/);
    expect(screen).toMatch(/✔ run run_\S+ completed in \d+ ms · 4 events\r?\n/);
    expect(screen).toContain('"greeting": "Hello, Ada!"');
  });

  it('exits 1 with a clear message when no daemon listens at the URL', async () => {
    const url = daemon.url.replace(/:\d+\//, ':1/');
    const result = await runCli(['run', hello, '--url', url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`aiws run: cannot connect to aiws daemon at ${url}: connect ECONNREFUSED`);
  });

  describe('usage errors (exit 2)', () => {
    it.each([
      [['run', hello, '--input', '{"name":'], /aiws run: invalid JSON in --input: .*JSON/],
      [['run', hello, '--input', '@/nonexistent/input.json'], /aiws run: cannot read --input file "\/nonexistent\/input.json": no such file/],
      [['run'], /aiws run: missing workflow file/],
      [['run', 'a.js', 'b.js'], /aiws run: expected one workflow file, got 2/],
      [['run', '/nonexistent/workflow.js'], /aiws run: cannot read workflow "\/nonexistent\/workflow.js": no such file/],
      [['run', hello, '--bogus'], /aiws run: unknown option "--bogus"/],
      [['run', hello, '--wall-ms', 'soon'], /aiws run: invalid --wall-ms "soon"/],
      [['run', hello, '--url', 'http://127.0.0.1/v1'], /aiws run: invalid --url .*expected ws:\/\/ or wss:\/\//],
    ])('%j', async (args, message) => {
      const result = await runCli(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toContain('Run "aiws run --help" for usage.');
      expect(result.stdout).toBe('');
    });
  });
});
