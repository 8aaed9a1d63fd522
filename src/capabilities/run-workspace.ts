/**
 * RunWorkspace: the per-run directory fs.* capabilities are confined to. The jobs layer creates one
 * per run under the daemon's workspace root, hands `dir` to the CapabilityContext, and closes it when
 * the run ends (removing the directory unless asked to keep it).
 *
 * State: open ──close()──▶ closed (idempotent).
 */
import { mkdir, realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DaemonError } from '../errors/index.ts';

export interface RunWorkspaceOptions {
  /** Directory under which run workspaces live; created when missing. */
  readonly rootDir: string;
  /** The run id; becomes the directory name, so only `[A-Za-z0-9_-]` is accepted. */
  readonly runId: string;
  /** Keep the directory on close (for debugging or artefact collection). @default false */
  readonly keep?: boolean;
}

export class RunWorkspace implements AsyncDisposable {
  /** Real absolute path of the workspace directory. */
  readonly dir: string;
  readonly #keep: boolean;
  #closing: Promise<void> | undefined;

  private constructor(dir: string, keep: boolean) {
    this.dir = dir;
    this.#keep = keep;
  }

  /**
   * Creates a fresh, empty workspace directory for the run.
   * @throws INTERNAL when the run id is not a safe directory name or the directory already exists
   */
  static async create(options: RunWorkspaceOptions): Promise<RunWorkspace> {
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(options.runId)) {
      throw new DaemonError('INTERNAL', `Cannot create workspace for run ${JSON.stringify(options.runId)}: the id is not a safe directory name`);
    }
    await mkdir(options.rootDir, { recursive: true });
    const dir = join(await realpath(options.rootDir), options.runId);
    try {
      await mkdir(dir, { mode: 0o700 });
    } catch (cause) {
      throw new DaemonError('INTERNAL', `Cannot create workspace for run "${options.runId}": ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { cause });
    }
    return new RunWorkspace(dir, options.keep ?? false);
  }

  /** Removes the directory and everything in it (unless `keep`). Idempotent; concurrent calls share one removal. */
  close(): Promise<void> {
    this.#closing ??= this.#keep ? Promise.resolve() : rm(this.dir, { recursive: true, force: true });
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
