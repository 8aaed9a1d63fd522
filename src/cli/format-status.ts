/**
 * formatStatus: `daemon.status` as aligned `key  value` lines for `aiws status`, with the policy and
 * store sections summarised for people (`--json` prints the raw result). Keys the CLI does not know
 * yet (added by later daemons) are still shown, as JSON, rather than hidden.
 */
import type { DaemonStatusResult } from '../client/index.ts';

type PolicyStatusInfo = DaemonStatusResult['policy'];
type StoreStatusInfo = NonNullable<DaemonStatusResult['store']>;
import { formatDuration } from './run-reporter.ts';

/** Renders `status` (from the daemon at `url`) for a terminal or a log. */
export function formatStatus(url: string, status: DaemonStatusResult): string {
  const rows: [string, string][] = [];
  const known = new Set(['version', 'uptimeMs', 'state', 'runs', 'pool', 'connections', 'policyRevision', 'policy', 'store']);
  rows.push(['daemon', `${url} (aiws ${status.version})`]);
  rows.push(['state', String(status.state)]);
  rows.push(['uptime', formatDuration(status.uptimeMs)]);
  rows.push(['connections', String(status.connections)]);
  rows.push(['runs', formatCounts(status.runs)]);
  rows.push(['pool', formatCounts(status.pool)]);
  rows.push(...policyRows(status.policyRevision, status.policy as PolicyStatusInfo | undefined));
  if (status.store !== undefined) rows.push(...storeRows(status.store));
  for (const [key, value] of Object.entries(status)) {
    if (!known.has(key)) rows.push([key, typeof value === 'string' ? value : JSON.stringify(value)]);
  }
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n');
}

/** Shown per status section at most; the rest are counted (`--json` has them all). */
const maxProblemRows = 5;

/**
 * `policy` (revision, source, load time, hot reload), `entrypoints`, and `policy error` for the newest
 * rejected edit: the revision shown stays in force, so the error says what is wrong with the newer one.
 */
function policyRows(revision: string | null, policy: PolicyStatusInfo | undefined): [string, string][] {
  const reload = policy?.watching === true ? 'hot reload on' : 'hot reload off';
  if (policy === undefined) return [['policy', revision ?? '(none loaded)']];
  const current = policy.revision ?? revision;
  const rows: [string, string][] = [];
  if (current === null) {
    rows.push(['policy', `(none loaded: every decision denies) · ${reload}`]);
  } else {
    const facts = [policy.source, policy.loadedAt === null ? undefined : `loaded ${policy.loadedAt}`, reload].filter((fact) => fact !== undefined && fact !== null);
    rows.push(['policy', `${current} (${facts.join(', ')})`]);
    if (policy.entrypoints.length > 0) rows.push(['entrypoints', policy.entrypoints.join(', ')]);
  }
  const failed = policy.lastError;
  if (failed !== undefined) {
    const first = failed.diagnostics[0]?.text.split('\n')[0] ?? 'unknown problem';
    const more = failed.diagnostics.length > 1 ? ` (and ${failed.diagnostics.length - 1} more)` : '';
    rows.push(['policy error', `${failed.at}: ${first}${more}`]);
  }
  return rows;
}

/** `store` counts and directory, then one continuation row per version left out of the index. */
function storeRows(store: StoreStatusInfo): [string, string][] {
  const problems = store.problems.length === 0 ? [] : [plural(store.problems.length, 'problem')];
  const counts = [plural(store.workflows, 'workflow'), plural(store.versions, 'version'), `${store.verified} verified`, ...problems];
  const rows: [string, string][] = [['store', `${counts.join(' · ')} (${store.dir})`]];
  for (const problem of store.problems.slice(0, maxProblemRows)) rows.push(['', `${problem.dir}: ${problem.message}`]);
  if (store.problems.length > maxProblemRows) rows.push(['', `(and ${store.problems.length - maxProblemRows} more)`]);
  return rows;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** `{ idleIsolates: 2 }` → `idle isolates 2`, joined with ` · `. */
function formatCounts(counts: Readonly<Record<string, unknown>> | undefined): string {
  if (counts === undefined || counts === null) return '-';
  return Object.entries(counts)
    .map(([key, value]) => `${key.replace(/[A-Z]/g, (letter) => ` ${letter.toLowerCase()}`)} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' · ');
}
