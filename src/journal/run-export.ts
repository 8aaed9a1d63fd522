/**
 * The JSON-lines export of one run: a header line, then every stored record, one per line. Auditors
 * verify it offline with `verifyJsonl` (or their own tools, see docs/audit.md).
 */
import { GENESIS_HASH, type JournalRecord } from './journal-event.ts';

/** `format` of the header line. */
export const exportFormat = 'aiws.journal.export';
/** Version of the export format. */
export const exportFormatVersion = 1;

/** The first line of an export. */
export interface ExportHeader {
  readonly format: typeof exportFormat;
  readonly version: typeof exportFormatVersion;
  readonly runId: string;
  readonly exportedAt: string;
  /** Number of event lines that follow. */
  readonly eventCount: number;
  /** `hash` of the last event: an export cut short no longer matches it. */
  readonly lastHash: string;
  /** From the first event whose data carries a string `policyRevision` (run.accepted/started); else null. */
  readonly policyRevision: string | null;
  /** From the first event whose data carries a string `workflowDigest`; else null. */
  readonly workflowDigest: string | null;
  readonly hashAlgorithm: 'sha-256';
  readonly canonicalization: 'rfc8785';
  readonly genesisHash: string;
}

/** Where an export reads its records from. */
export interface ExportSource {
  readRecords(runId: string, afterSeq?: number, limit?: number): Promise<readonly JournalRecord[]>;
}

const pageEvents = 512;

/**
 * Streams the export of `runId` from `source`. The header names the policy revision and workflow
 * digest the run's events recorded (looked for in the first page of events, where run.accepted and
 * run.started are).
 */
export async function* exportRunLines(source: ExportSource, runId: string, totals: { readonly lastSeq: number; readonly lastHash: string }): AsyncGenerator<string> {
  // Events appended while the export runs are left out: the header already fixed the count.
  let page = await source.readRecords(runId, 0, Math.min(pageEvents, totals.lastSeq));
  const header: ExportHeader = {
    format: exportFormat,
    version: exportFormatVersion,
    runId,
    exportedAt: new Date().toISOString(),
    eventCount: totals.lastSeq,
    lastHash: totals.lastHash,
    policyRevision: firstString(page, 'policyRevision'),
    workflowDigest: firstString(page, 'workflowDigest'),
    hashAlgorithm: 'sha-256',
    canonicalization: 'rfc8785',
    genesisHash: GENESIS_HASH,
  };
  yield `${JSON.stringify(header)}\n`;
  let after = 0;
  while (page.length > 0) {
    for (const record of page) yield `${JSON.stringify(record)}\n`;
    after = page[page.length - 1]?.seq ?? after;
    if (after >= totals.lastSeq) break;
    page = await source.readRecords(runId, after, Math.min(pageEvents, totals.lastSeq - after));
  }
}

function firstString(records: readonly JournalRecord[], key: string): string | null {
  for (const record of records) {
    const data = record.data;
    if (data !== null && typeof data === 'object' && typeof (data as Record<string, unknown>)[key] === 'string') {
      return (data as Record<string, string>)[key] ?? null;
    }
  }
  return null;
}
