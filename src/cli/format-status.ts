/**
 * formatStatus: `daemon.status` as aligned `key  value` lines for `aiws status`. Keys the CLI does
 * not know yet (added by later daemons) are still shown, as JSON, rather than hidden.
 */
import type { DaemonStatusResult } from '../client/index.ts';
import { formatDuration } from './run-reporter.ts';

/** Renders `status` (from the daemon at `url`) for a terminal or a log. */
export function formatStatus(url: string, status: DaemonStatusResult): string {
  const rows: [string, string][] = [];
  const known = new Set(['version', 'uptimeMs', 'state', 'runs', 'pool', 'connections', 'policyRevision', 'policy']);
  rows.push(['daemon', `${url} (aiws ${status.version})`]);
  rows.push(['state', String(status.state)]);
  rows.push(['uptime', formatDuration(status.uptimeMs)]);
  rows.push(['connections', String(status.connections)]);
  rows.push(['runs', formatCounts(status.runs)]);
  rows.push(['pool', formatCounts(status.pool)]);
  rows.push(['policy', status.policyRevision ?? '(none loaded)']);
  // A rejected edit: the revision above stays in force; show what is wrong with the newer one.
  const failed = (status as { policy?: { lastError?: { at: string; diagnostics: readonly { text: string }[] } } }).policy?.lastError;
  if (failed !== undefined) {
    const first = failed.diagnostics[0]?.text.split('\n')[0] ?? 'unknown problem';
    const more = failed.diagnostics.length > 1 ? ` (and ${failed.diagnostics.length - 1} more)` : '';
    rows.push(['policy error', `${failed.at}: ${first}${more}`]);
  }
  for (const [key, value] of Object.entries(status)) {
    if (!known.has(key)) rows.push([key, typeof value === 'string' ? value : JSON.stringify(value)]);
  }
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n');
}

/** `{ idleIsolates: 2 }` → `idle isolates 2`, joined with ` · `. */
function formatCounts(counts: Readonly<Record<string, unknown>> | undefined): string {
  if (counts === undefined || counts === null) return '-';
  return Object.entries(counts)
    .map(([key, value]) => `${key.replace(/[A-Z]/g, (letter) => ` ${letter.toLowerCase()}`)} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' · ');
}
