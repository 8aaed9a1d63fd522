/**
 * Offline verification of a run export (JSON lines): the header, then the chain of every event line,
 * then the header's count and last hash. Needs no journal and no daemon.
 */
import { ChainVerifier } from './verify-run.ts';
import { exportFormat, exportFormatVersion, type ExportHeader } from './run-export.ts';

/** The outcome of `verifyJsonl`. `line` is 1-based; `seq` is the event that failed (0: the header). */
export type JsonlVerification =
  | { readonly ok: true; readonly runId: string; readonly count: number; readonly header: ExportHeader }
  | { readonly ok: false; readonly seq: number; readonly line: number; readonly reason: string };

/** Export text, bytes, or a stream of chunks (a file stream, stdin). */
export type JsonlInput = string | Uint8Array | AsyncIterable<string | Uint8Array> | Iterable<string>;

/**
 * Verifies an export produced by `Journal.exportRun`: the header must be the first line, every other
 * non-empty line one record of the header's run in seq order with an intact chain, and the number of
 * events and the last hash must match the header (so a cut-short file fails).
 */
export async function verifyJsonl(input: JsonlInput): Promise<JsonlVerification> {
  let header: ExportHeader | undefined;
  let verifier: ChainVerifier | undefined;
  let lineNumber = 0;
  for await (const line of lines(input)) {
    lineNumber++;
    if (line.trim() === '') continue;
    if (header === undefined || verifier === undefined) {
      const parsed = parseHeader(line);
      if (typeof parsed === 'string') return { ok: false, seq: 0, line: lineNumber, reason: parsed };
      header = parsed;
      verifier = new ChainVerifier(header.runId);
      continue;
    }
    const seq = verifier.expectedSeq;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      return { ok: false, seq, line: lineNumber, reason: `line ${lineNumber} is not JSON` };
    }
    if (!verifier.push(record)) {
      const failure = verifier.result();
      return failure.ok ? { ok: false, seq, line: lineNumber, reason: 'unreachable' } : { ok: false, seq: failure.seq, line: lineNumber, reason: failure.reason };
    }
  }
  if (header === undefined || verifier === undefined) return { ok: false, seq: 0, line: 1, reason: 'the input has no header line' };
  const result = verifier.result();
  if (!result.ok) return { ok: false, seq: result.seq, line: lineNumber, reason: result.reason };
  if (result.count !== header.eventCount) {
    return { ok: false, seq: result.count + 1, line: lineNumber, reason: `the header announces ${header.eventCount} events, the file holds ${result.count}` };
  }
  if (result.count > 0 && result.lastHash !== header.lastHash) {
    return { ok: false, seq: result.count, line: lineNumber, reason: `the last event's hash ${result.lastHash} differs from the header's "lastHash" ${header.lastHash}` };
  }
  return { ok: true, runId: header.runId, count: result.count, header };
}

function parseHeader(line: string): ExportHeader | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'the header line is not JSON';
  }
  if (value === null || typeof value !== 'object') return 'the header line is not a JSON object';
  const header = value as Record<string, unknown>;
  if (header.format !== exportFormat) return `the header "format" is not "${exportFormat}"`;
  if (header.version !== exportFormatVersion) return `the header "version" ${JSON.stringify(header.version)} is not supported (expected ${exportFormatVersion})`;
  if (typeof header.runId !== 'string' || header.runId === '') return 'the header has no "runId"';
  if (typeof header.eventCount !== 'number' || !Number.isInteger(header.eventCount) || header.eventCount < 0) return 'the header has no valid "eventCount"';
  if (typeof header.lastHash !== 'string') return 'the header has no "lastHash"';
  return header as unknown as ExportHeader;
}

async function* lines(input: JsonlInput): AsyncGenerator<string> {
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    yield* text.split('\n');
    return;
  }
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  for await (const chunk of input as AsyncIterable<string | Uint8Array>) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline = rest.indexOf('\n');
    while (newline !== -1) {
      yield rest.slice(0, newline);
      rest = rest.slice(newline + 1);
      newline = rest.indexOf('\n');
    }
  }
  rest += decoder.decode();
  if (rest !== '') yield rest;
}
