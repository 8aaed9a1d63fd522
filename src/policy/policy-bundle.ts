/**
 * Reads an OPA bundle (`bundle.tar.gz` as `opa build -t wasm` or `aiws policy build` writes it) in
 * memory: `/policy.wasm`, `/data.json` (optional) and `/.manifest` (optional; when present its `wasm`
 * entries must name `/policy.wasm`). Paths may be written with or without the leading `/` or `./`.
 */
import { Parser, type ReadEntry } from 'tar';

/** The parts of a bundle the engine uses. */
export interface PolicyBundle {
  readonly wasm: Uint8Array;
  readonly data: Record<string, unknown>;
  /** Entrypoints the manifest lists for /policy.wasm (empty when there is no manifest). */
  readonly manifestEntrypoints: readonly string[];
}

/** The bundle's files cap: a bundle is policy, not a data dump. */
const MAX_BUNDLE_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Unpacks and checks a bundle.
 * @throws Error with a message saying what is wrong (the engine reports it as a BUNDLE_INVALID problem)
 */
export async function readPolicyBundle(bytes: Uint8Array): Promise<PolicyBundle> {
  const files = await untar(bytes);
  const wasm = files.get('policy.wasm');
  if (wasm === undefined) throw new Error('the bundle has no /policy.wasm');
  let data: Record<string, unknown> = {};
  const dataText = files.get('data.json');
  if (dataText !== undefined) {
    const parsed: unknown = JSON.parse(Buffer.from(dataText).toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('/data.json must hold an object');
    data = parsed as Record<string, unknown>;
  }
  const manifestEntrypoints: string[] = [];
  const manifestText = files.get('.manifest');
  if (manifestText !== undefined) {
    const manifest = JSON.parse(Buffer.from(manifestText).toString('utf8')) as { wasm?: { entrypoint?: unknown; module?: unknown }[] };
    for (const entry of manifest.wasm ?? []) {
      if (typeof entry.entrypoint !== 'string') throw new Error('a /.manifest wasm entry has no "entrypoint"');
      if (entry.module !== '/policy.wasm') throw new Error(`the /.manifest wasm entry "${entry.entrypoint}" names module ${JSON.stringify(entry.module)}: only "/policy.wasm" is supported`);
      manifestEntrypoints.push(entry.entrypoint);
    }
  }
  return { wasm, data, manifestEntrypoints };
}

async function untar(bytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const parser = new Parser({ strict: true });
  const done = new Promise<void>((resolve, reject) => {
    parser.on('error', reject);
    parser.on('warn', (_code: string, message: string | Error) => reject(message instanceof Error ? message : new Error(message)));
    parser.on('end', () => resolve());
  });
  parser.on('entry', (entry: ReadEntry) => {
    const path = entry.path.replace(/^(\.\/|\/)+/, '');
    if (entry.type !== 'File' || (entry.size ?? 0) > MAX_BUNDLE_FILE_BYTES) {
      entry.resume();
      return;
    }
    const chunks: Buffer[] = [];
    entry.on('data', (chunk: Buffer) => chunks.push(chunk));
    entry.on('end', () => files.set(path, Buffer.concat(chunks)));
  });
  parser.end(Buffer.from(bytes));
  await done;
  return files;
}
