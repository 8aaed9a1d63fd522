/**
 * One HTTP exchange over node:http / node:https, connected only to pre-checked addresses.
 *
 * The request keeps the URL's host name (for the Host header, TLS SNI and certificate checks) but
 * gets a `lookup` function that answers with the addresses resolve-and-check already approved, so
 * the socket can reach nothing else. No connection pooling: every request opens its own socket.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { DaemonError, isDaemonError } from '../errors/index.ts';
import { hostOf, type ResolvedAddress } from './allowed-addresses.ts';

export interface HttpRequestInit {
  readonly url: URL;
  /** Checked addresses of `url`'s host; the socket connects to one of these and nothing else. */
  readonly addresses: readonly ResolvedAddress[];
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | null;
  readonly connectTimeoutMs: number;
  readonly maxResponseBytes: number;
  /** Extra trusted CA certificates (PEM) for https. */
  readonly ca?: readonly string[] | undefined;
  /** Aborting destroys the exchange; the pending promise rejects with `signal.reason`. */
  readonly signal: AbortSignal;
}

/** The response head; the body is read (capped) or discarded explicitly. */
export interface HttpResponseHead {
  readonly status: number;
  readonly statusText: string;
  /** Lower-case names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The whole body.
   * @throws CAPABILITY_RESULT_TOO_LARGE past `maxResponseBytes`
   */
  readBody(): Promise<Buffer>;
  /** Drops the body and the connection (redirects, HEAD). */
  discard(): void;
}

/**
 * Sends the request and resolves with the response head.
 * @throws CAPABILITY_TIMEOUT (`details.phase: 'connect'`) when the socket is not connected in time
 * @throws CAPABILITY_HTTP_FAILED on connection and protocol errors
 * @throws the signal's reason when it aborts
 */
export function sendHttpRequest(init: HttpRequestInit): Promise<HttpResponseHead> {
  const { url, signal } = init;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  const secure = url.protocol === 'https:';
  const first = init.addresses[0];
  if (first === undefined) return Promise.reject(new DaemonError('INTERNAL', `Cannot fetch "${url.href}": no checked address`));

  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all === true) callback(null, init.addresses.map(({ address, family }) => ({ address, family })));
    else callback(null, first.address, first.family);
  };

  return new Promise<HttpResponseHead>((resolve, reject) => {
    let failure: DaemonError | undefined;
    let response: http.IncomingMessage | undefined;
    const fail = (error: unknown): DaemonError => {
      if (failure !== undefined) return failure;
      if (signal.aborted) return signal.reason as DaemonError;
      if (isDaemonError(error)) return error;
      const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'UNKNOWN';
      const message = error instanceof Error ? error.message : String(error);
      return new DaemonError('CAPABILITY_HTTP_FAILED', `Cannot fetch "${url.href}": ${message}`, { cause: error, details: { errno: code } });
    };

    // autoSelectFamily reaches net.connect (happy eyeballs over the checked addresses only); @types/node omits it here.
    const options: https.RequestOptions & { autoSelectFamily: boolean } = {
      protocol: url.protocol,
      hostname: hostOf(url),
      port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: init.method,
      headers: init.headers,
      agent: false,
      lookup,
      autoSelectFamily: true,
      ...(secure && init.ca !== undefined ? { ca: [...init.ca] } : {}),
    };
    const request = (secure ? https : http).request(options);

    const connectTimer = setTimeout(() => {
      failure = new DaemonError('CAPABILITY_TIMEOUT', `Cannot fetch "${url.href}": no connection within ${init.connectTimeoutMs} ms`, {
        details: { phase: 'connect', timeoutMs: init.connectTimeoutMs },
      });
      request.destroy(failure);
    }, init.connectTimeoutMs);
    request.once('socket', (socket) => {
      socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });

    const onAbort = (): void => {
      request.destroy();
      response?.destroy();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const cleanup = (): void => {
      clearTimeout(connectTimer);
      signal.removeEventListener('abort', onAbort);
    };

    request.on('error', (error) => {
      cleanup();
      reject(fail(error));
    });

    request.once('response', (res) => {
      clearTimeout(connectTimer);
      response = res;
      // A body error before readBody() runs must not be an unhandled 'error' event; readBody sees it anyway.
      res.on('error', () => {});
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      resolve({
        status: res.statusCode ?? 0,
        statusText: res.statusMessage ?? '',
        headers,
        async readBody() {
          try {
            const declared = Number(res.headers['content-length']);
            if (Number.isFinite(declared) && declared > init.maxResponseBytes) throw tooLarge(url, init.maxResponseBytes);
            const chunks: Buffer[] = [];
            let total = 0;
            for await (const chunk of res as AsyncIterable<Buffer>) {
              total += chunk.length;
              if (total > init.maxResponseBytes) throw tooLarge(url, init.maxResponseBytes);
              chunks.push(chunk);
            }
            return Buffer.concat(chunks, total);
          } catch (error) {
            throw fail(error);
          } finally {
            cleanup();
            res.destroy();
            request.destroy();
          }
        },
        discard() {
          cleanup();
          res.destroy();
          request.destroy();
        },
      });
    });

    if (init.body !== null) request.end(init.body);
    else request.end();
  });
}

function tooLarge(url: URL, limitBytes: number): DaemonError {
  return new DaemonError('CAPABILITY_RESULT_TOO_LARGE', `Cannot fetch "${url.href}": response body exceeds ${limitBytes} bytes`, {
    details: { limitBytes },
  });
}
