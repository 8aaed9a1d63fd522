/**
 * `http.fetch {url, method?, headers?, body?, bodyEncoding?, responseType?, timeoutMs?}` →
 * `{status, statusText, url, headers, body}`.
 *
 * Host protections that hold whatever the policy says: http and https only, no credentials in the
 * URL, every address the host resolves to must pass the AddressFilter (no loopback, private,
 * link-local, ...), the socket connects only to those checked addresses, connect and total timeouts,
 * a response size cap, and redirects followed by hand, each one re-authorised with the policy
 * (`ctx.authorizeFollowUp`) and re-checked before it is fetched.
 */
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { DaemonError } from '../../errors/index.ts';
import { createAddressFilter, type AddressFilterOptions } from '../address-filter.ts';
import { resolveAllowedAddresses, systemHostResolver, type HostResolver } from '../allowed-addresses.ts';
import { defineCapability, type Capability, type CapabilityContext } from '../capability.ts';
import { sendHttpRequest } from '../http-request.ts';
import { stringOrSecretSchema } from '../secret-substitution.ts';

export const httpMethods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof httpMethods)[number];

export interface HttpFetchArgs {
  readonly url: string;
  /** @default 'GET' */
  readonly method?: HttpMethod;
  /** Header values may be `{"$secret": name}` references. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Request body; may be a `{"$secret": name}` reference. Not allowed with GET or HEAD. */
  readonly body?: string;
  /** How `body` is encoded. @default 'utf8' */
  readonly bodyEncoding?: 'utf8' | 'base64';
  /** How the response body is returned: text (UTF-8), parsed JSON, or base64 bytes. @default 'text' */
  readonly responseType?: 'text' | 'json' | 'base64';
  /** Lowers the configured total timeout for this call. */
  readonly timeoutMs?: number;
}

export interface HttpFetchResult {
  readonly status: number;
  readonly statusText: string;
  /** The URL of the final response, after redirects. */
  readonly url: string;
  /** Lower-case names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** A string for `text` and `base64`, any JSON value for `json`; `''` for HEAD. */
  readonly body: unknown;
}

export interface HttpFetchOptions extends AddressFilterOptions {
  /** Time to establish the TCP (and TLS) connection, per request. @default 10_000 */
  readonly connectTimeoutMs?: number;
  /** Time for the whole call: every redirect hop and the full body. @default 30_000 */
  readonly timeoutMs?: number;
  /** Response body cap. @default 8 MiB */
  readonly maxResponseBytes?: number;
  /** Request body cap. @default 1 MiB */
  readonly maxRequestBytes?: number;
  /** Redirects followed before failing with CAPABILITY_HTTP_FAILED. @default 5 */
  readonly maxRedirects?: number;
  /** Sent when the call sets no user-agent. @default 'aiws' */
  readonly userAgent?: string;
  /** Extra trusted CA certificates (PEM) for https. @default none (system CAs) */
  readonly ca?: readonly string[];
  /** Name resolution; every answer is checked. @default the system resolver (getaddrinfo) */
  readonly resolveHost?: HostResolver;
}

export interface ResolvedHttpFetch {
  readonly connectTimeoutMs: number;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly maxRequestBytes: number;
  readonly maxRedirects: number;
  readonly userAgent: string;
  readonly ca: readonly string[] | undefined;
  readonly resolveHost: HostResolver;
}

/** Headers the host owns: framing, hop-by-hop, and Host (which would let one checked address serve another name). */
const forbiddenHeaders = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-connection']);

/** Headers that survive a cross-origin redirect; credentials and custom headers do not. */
const crossOriginSafeHeaders = new Set(['accept', 'accept-language', 'user-agent', 'accept-encoding', 'cache-control', 'pragma']);

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

const argsSchema = {
  type: 'object',
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 8192 },
    method: { enum: [...httpMethods] },
    headers: {
      type: 'object',
      propertyNames: { pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", maxLength: 256 },
      additionalProperties: stringOrSecretSchema,
      maxProperties: 64,
    },
    body: stringOrSecretSchema,
    bodyEncoding: { enum: ['utf8', 'base64'] },
    responseType: { enum: ['text', 'json', 'base64'] },
    timeoutMs: { type: 'integer', minimum: 1 },
  },
  required: ['url'],
  additionalProperties: false,
} as const;

/** Applies the defaults. */
export function resolveHttpFetchOptions(options: HttpFetchOptions = {}): ResolvedHttpFetch {
  return {
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    timeoutMs: options.timeoutMs ?? 30_000,
    maxResponseBytes: options.maxResponseBytes ?? 8 * 1024 * 1024,
    maxRequestBytes: options.maxRequestBytes ?? 1024 * 1024,
    maxRedirects: options.maxRedirects ?? 5,
    userAgent: options.userAgent ?? 'aiws',
    ca: options.ca,
    resolveHost: options.resolveHost ?? systemHostResolver,
  };
}

/**
 * Creates the `http.fetch` capability.
 * @throws CONFIG_INVALID when an allowed CIDR does not parse
 */
export function createHttpFetch(options: HttpFetchOptions = {}): Capability<HttpFetchArgs, HttpFetchResult> {
  const resolved = resolveHttpFetchOptions(options);
  const filter = createAddressFilter(options);

  return defineCapability<HttpFetchArgs, HttpFetchResult>({
    name: 'http.fetch',
    description: 'Sends an HTTP(S) request to a public address and returns the status, headers and body',
    argsSchema,
    // A GET may still change the world on the far side; the journal must not replay it.
    sideEffects: true,
    secretPointers: ['/headers/*', '/body'],
    async execute(args, ctx) {
      const totalMs = Math.min(args.timeoutMs ?? resolved.timeoutMs, resolved.timeoutMs);
      const controller = new AbortController();
      const timer = setTimeout(() => {
        controller.abort(
          new DaemonError('CAPABILITY_TIMEOUT', `Cannot fetch "${args.url}": no complete response within ${totalMs} ms`, {
            details: { phase: 'total', timeoutMs: totalMs },
          }),
        );
      }, totalMs);
      const onCancel = (): void => controller.abort(new DaemonError('RUN_CANCELLED', `Cannot fetch "${args.url}": the run was cancelled`));
      if (ctx.signal.aborted) onCancel();
      ctx.signal.addEventListener('abort', onCancel, { once: true });
      const startedAt = performance.now();
      try {
        const result = await fetchFollowingRedirects(args, ctx, resolved, filter, controller.signal);
        ctx.logger.debug({ url: result.url, status: result.status, durationMs: Math.round(performance.now() - startedAt) }, 'http fetch completed');
        return result;
      } finally {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onCancel);
      }
    },
  });
}

async function fetchFollowingRedirects(
  args: HttpFetchArgs,
  ctx: CapabilityContext,
  options: ResolvedHttpFetch,
  filter: ReturnType<typeof createAddressFilter>,
  signal: AbortSignal,
): Promise<HttpFetchResult> {
  let url = parseTarget(args.url, args.url);
  let method: HttpMethod = args.method ?? 'GET';
  let headers = buildHeaders(args.headers ?? {}, options.userAgent);
  let body = encodeBody(args, method, options.maxRequestBytes);

  for (let hop = 0; ; hop++) {
    if (signal.aborted) throw signal.reason;
    const addresses = await resolveAllowedAddresses(url, { filter, resolver: options.resolveHost, signal });
    const response = await sendHttpRequest({
      url,
      addresses,
      method,
      headers: body === null ? headers : { ...headers, 'content-length': String(body.length) },
      body,
      connectTimeoutMs: options.connectTimeoutMs,
      maxResponseBytes: options.maxResponseBytes,
      ca: options.ca,
      signal,
    });
    const location = response.headers.location;
    if (redirectStatuses.has(response.status) && location !== undefined) {
      response.discard();
      if (hop >= options.maxRedirects) {
        throw new DaemonError('CAPABILITY_HTTP_FAILED', `Cannot fetch "${args.url}": more than ${options.maxRedirects} redirects`, {
          details: { maxRedirects: options.maxRedirects, lastUrl: url.href },
        });
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch (cause) {
        throw new DaemonError('CAPABILITY_HTTP_FAILED', `Cannot fetch "${url.href}": the redirect location is not a URL`, { cause });
      }
      next = parseTarget(next.href, args.url);
      const changesToGet = response.status === 303 ? method !== 'HEAD' : (response.status === 301 || response.status === 302) && method === 'POST';
      const nextMethod: HttpMethod = changesToGet ? 'GET' : method;
      await ctx.authorizeFollowUp('http.fetch', { url: next.href, method: nextMethod });
      if (changesToGet) {
        body = null;
        headers = withoutHeaders(headers, (name) => name.startsWith('content-'));
      }
      if (next.origin !== url.origin) headers = withoutHeaders(headers, (name) => !crossOriginSafeHeaders.has(name));
      url = next;
      method = nextMethod;
      continue;
    }
    if (method === 'HEAD') {
      response.discard();
      return { status: response.status, statusText: response.statusText, url: url.href, headers: response.headers, body: '' };
    }
    const raw = await response.readBody();
    return { status: response.status, statusText: response.statusText, url: url.href, headers: response.headers, body: decodeBody(raw, args.responseType ?? 'text', url) };
  }
}

/**
 * Parses and vets a target URL (the first one or a redirect's).
 * @throws CAPABILITY_INVALID_ARGS when `text` is not an absolute URL
 * @throws CAPABILITY_NETWORK_DENIED for other schemes or credentials in the URL
 */
function parseTarget(text: string, original: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DaemonError('CAPABILITY_INVALID_ARGS', `Invalid arguments for capability "http.fetch": /url is not an absolute URL`, {
      details: { name: 'http.fetch', errors: [{ pointer: '/url', message: 'is not an absolute URL', keyword: 'format' }] },
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DaemonError('CAPABILITY_NETWORK_DENIED', `Cannot fetch "${original}": scheme "${url.protocol}" is not http or https`, {
      details: { url: url.href, reason: 'scheme' },
    });
  }
  if (url.username !== '' || url.password !== '') {
    throw new DaemonError('CAPABILITY_NETWORK_DENIED', `Cannot fetch "${original}": credentials in the URL are refused; use a header with a secret reference`, {
      details: { reason: 'credentials' },
    });
  }
  url.hash = '';
  return url;
}

function buildHeaders(input: Readonly<Record<string, string>>, userAgent: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(input)) {
    const name = rawName.toLowerCase();
    const pointer = `/headers/${rawName.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    let problem: string | undefined;
    if (forbiddenHeaders.has(name) || name.startsWith('proxy-')) problem = 'is a header the host sets itself';
    else if (Object.hasOwn(headers, name)) problem = 'repeats a header name (names are case-insensitive)';
    else {
      try {
        validateHeaderName(name);
        validateHeaderValue(name, value);
      } catch {
        // The value may be a substituted secret: say what is wrong, never what it is.
        problem = 'contains a character not allowed in a header value';
      }
    }
    if (problem !== undefined) {
      throw new DaemonError('CAPABILITY_INVALID_ARGS', `Invalid arguments for capability "http.fetch": ${pointer} ${problem}`, {
        details: { name: 'http.fetch', errors: [{ pointer, message: problem, keyword: 'header' }] },
      });
    }
    headers[name] = value;
  }
  headers['user-agent'] ??= userAgent;
  headers['accept-encoding'] ??= 'identity';
  return headers;
}

function withoutHeaders(headers: Readonly<Record<string, string>>, drop: (name: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !drop(name)));
}

function encodeBody(args: HttpFetchArgs, method: HttpMethod, maxRequestBytes: number): Buffer | null {
  if (args.body === undefined) return null;
  if (method === 'GET' || method === 'HEAD') {
    throw new DaemonError('CAPABILITY_INVALID_ARGS', `Invalid arguments for capability "http.fetch": /body is not allowed with method "${method}"`, {
      details: { name: 'http.fetch', errors: [{ pointer: '/body', message: `is not allowed with method "${method}"`, keyword: 'method' }] },
    });
  }
  const body = Buffer.from(args.body, args.bodyEncoding === 'base64' ? 'base64' : 'utf8');
  if (body.length > maxRequestBytes) {
    throw new DaemonError('CAPABILITY_ARGS_TOO_LARGE', `Cannot fetch "${args.url}": request body exceeds ${maxRequestBytes} bytes`, {
      details: { pointer: '/body', limitBytes: maxRequestBytes },
    });
  }
  return body;
}

function decodeBody(raw: Buffer, responseType: 'text' | 'json' | 'base64', url: URL): unknown {
  if (responseType === 'base64') return raw.toString('base64');
  const text = new TextDecoder('utf-8').decode(raw);
  if (responseType === 'text') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new DaemonError('CAPABILITY_HTTP_FAILED', `Cannot fetch "${url.href}": the response body is not valid JSON`, { cause });
  }
}

