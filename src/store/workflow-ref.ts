/**
 * Workflow references `name@range` as clients write them (`bank-transfer@^1`, `csv-report`), parsed
 * into a name and an npm semver range.
 */
import { validRange } from 'semver';
import { DaemonError } from '../errors/index.ts';

/** A parsed reference; `range` is `*` when the reference names no version. */
export interface WorkflowRef {
  readonly name: string;
  readonly range: string;
}

/**
 * Parses `name@range` (or `name`).
 * @throws WORKFLOW_NOT_FOUND when the name is empty or the range is not a valid semver range
 */
export function parseWorkflowRef(ref: string): WorkflowRef {
  const at = ref.indexOf('@');
  const name = (at === -1 ? ref : ref.slice(0, at)).trim();
  const range = at === -1 ? '*' : ref.slice(at + 1).trim() || '*';
  if (name === '') throw new DaemonError('WORKFLOW_NOT_FOUND', `Cannot resolve workflow "${ref}": the name is empty`, { details: { ref } });
  if (validRange(range) === null) {
    throw new DaemonError('WORKFLOW_NOT_FOUND', `Cannot resolve workflow "${ref}": "${range}" is not a semver range`, { details: { ref, range } });
  }
  return { name, range };
}
