// runCli: runs one `aiws` command the way a user does (this process's Node 24 + bin/aiws.js) and
// collects its exit status and output. Daemons for these commands come from ./daemon.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** bin/aiws.js of this checkout. */
export const aiwsBin = fileURLToPath(new URL('../../bin/aiws.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunCliOptions {
  /** Written to the command's stdin, which is then closed. */
  readonly stdin?: string;
  /** Added to the environment (after every AIWS_* variable of this process was removed). */
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  /** Kills the command (SIGKILL) after this long. @default 20_000 */
  readonly timeoutMs?: number;
  /** Called with each stdout chunk while the command runs (e.g. to send it a signal at the right moment). */
  readonly onStdout?: (chunk: string, child: ChildProcess) => void;
}

/** Runs `aiws <args>` to completion, with NO_COLOR set and no AIWS_* variables unless `env` sets them. */
export async function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [aiwsBin, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: options.cwd,
    env: { ...withoutAiwsEnv(process.env), NO_COLOR: '1', ...options.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    options.onStdout?.(chunk, child);
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.stdin);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, stdout, stderr };
}

/** `env` without the AIWS_* variables, so a developer's shell cannot steer the tests. */
function withoutAiwsEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('AIWS_')));
}
