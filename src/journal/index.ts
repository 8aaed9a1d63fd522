/** Journal: the durable, hash-chained store of run events, and the audit tools that check it. */
export { FileJournal, resolveFileJournalOptions, type FileJournalOptions, type ResolvedFileJournal } from './file-journal.ts';
export type { Durability, Journal, JournalFailure, JournalRunStatus, JournalVerification, RetentionResult, RunSummary } from './journal.ts';
export { GENESIS_HASH, chainEvent, hashRecord, interruptedEventType, stripChain, terminalEventTypes, type JournalEvent, type JournalRecord } from './journal-event.ts';
export { canonicalJson } from './canonical-json.ts';
export { ChainVerifier, verifyRun, type ChainVerification } from './verify-run.ts';
export { verifyJsonl, type JsonlInput, type JsonlVerification } from './verify-jsonl.ts';
export { exportFormat, exportFormatVersion, type ExportHeader } from './run-export.ts';
export { CodeStore, codeDigest, codeDigestPrefix, type CodeStoreOptions } from './code-store.ts';
export { BlobStore, blobDigest, blobDigestPrefix, type BlobStoreOptions } from './blob-store.ts';
export { ResultStore, type ResultStoreOptions } from './result-store.ts';
