/**
 * The `--url` and `--token` options every client command shares, with their environment fallbacks
 * (`AIWS_URL`, `AIWS_TOKEN`) and the help text describing them.
 */
import { defaultDaemonUrl } from '../client/index.ts';
import { UsageError } from './usage-error.ts';

/** parseArgs option definitions for `--url` and `--token`. */
export const connectionOptions = {
  url: { type: 'string' },
  token: { type: 'string' },
} as const;

/** Help lines for `--url` and `--token`. */
export const connectionHelp = `  --url URL            daemon URL (default: $AIWS_URL, else ${defaultDaemonUrl})
  --token TOKEN        bearer token for the daemon (default: $AIWS_TOKEN; none when unset)`;

export interface ResolvedConnection {
  readonly url: string;
  readonly token: string | undefined;
}

/**
 * Picks the daemon URL and token: flag, then environment, then the default.
 * @throws UsageError when the URL is not a ws:// or wss:// URL
 */
export function resolveConnection(flags: { url?: string | undefined; token?: string | undefined }, env: NodeJS.ProcessEnv = process.env): ResolvedConnection {
  const url = flags.url ?? nonEmpty(env.AIWS_URL) ?? defaultDaemonUrl;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`invalid --url "${url}": not a URL`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw new UsageError(`invalid --url "${url}": expected ws:// or wss://`);
  return { url, token: flags.token ?? nonEmpty(env.AIWS_TOKEN) };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
