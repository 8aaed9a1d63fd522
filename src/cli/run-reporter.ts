/**
 * RunReporter: how `aiws run` shows a run's events — a live progress line in a terminal, plain
 * lines when piped, one JSON line per event with `--json`.
 *
 * The workflow's output (and, with --json, the events) go to stdout so they can be piped; progress,
 * logs and failures go to stderr.
 */
import { styleText } from 'node:util';
import type { RunEvent, RunErrorInfo } from '../client/index.ts';
import { ProgressLine, type ProgressStream } from './progress-line.ts';

export type ReportMode = 'tty' | 'plain' | 'json';

/** The streams a reporter writes to; `process.stdout`/`process.stderr` in the CLI. */
export interface ReporterStreams {
  readonly stdout: { write(chunk: string): boolean };
  readonly stderr: ProgressStream & NodeJS.WritableStream;
}

export interface RunReporter {
  /** The daemon accepted the run under `runId`. */
  submitted(runId: string): void;
  /** One event of the run, in seq order. */
  event(event: RunEvent): void;
  /** A message from the CLI itself (not the run), e.g. that Ctrl-C is cancelling the run. */
  note(message: string): void;
  /** Stops any live output; idempotent. */
  close(): void;
}

/** Picks the reporter for `mode`. */
export function createRunReporter(mode: ReportMode, streams: ReporterStreams): RunReporter {
  switch (mode) {
    case 'json':
      return new JsonReporter(streams);
    case 'plain':
      return new PlainReporter(streams);
    case 'tty':
      return new TtyReporter(streams);
  }
}

class JsonReporter implements RunReporter {
  readonly #streams: ReporterStreams;
  constructor(streams: ReporterStreams) {
    this.#streams = streams;
  }
  submitted(): void {}
  event(event: RunEvent): void {
    this.#streams.stdout.write(`${JSON.stringify(event)}\n`);
  }
  note(message: string): void {
    this.#streams.stderr.write(`aiws run: ${message}\n`);
  }
  close(): void {}
}

class PlainReporter implements RunReporter {
  readonly #streams: ReporterStreams;
  readonly #startedAt = performance.now();
  #runId = '';
  constructor(streams: ReporterStreams) {
    this.#streams = streams;
  }
  submitted(runId: string): void {
    this.#runId = runId;
  }
  event(event: RunEvent): void {
    const elapsed = formatDuration(performance.now() - this.#startedAt);
    const line = (text: string): boolean => this.#streams.stderr.write(`${text}\n`);
    switch (event.type) {
      case 'log':
        line(formatLog(event.data));
        return;
      case 'run.completed':
        line(`run ${event.runId} completed in ${elapsed}`);
        writeOutput(this.#streams, event.data.output);
        return;
      case 'run.failed':
        line(`run ${event.runId} failed after ${elapsed}: ${formatRunError(event.data.error)}`);
        return;
      case 'run.cancelled':
        line(`run ${event.runId} cancelled after ${elapsed}${event.data.reason ? `: ${event.data.reason}` : ''}`);
        return;
      default:
        line(`run ${event.runId || this.#runId} ${event.type.replace(/^run\./, '')}`);
    }
  }
  note(message: string): void {
    this.#streams.stderr.write(`aiws run: ${message}\n`);
  }
  close(): void {}
}

class TtyReporter implements RunReporter {
  readonly #streams: ReporterStreams;
  readonly #startedAt = performance.now();
  readonly #line: ProgressLine;
  #runId = '';
  #status = 'submitting';
  #events = 0;
  #lastLog = '';

  constructor(streams: ReporterStreams) {
    this.#streams = streams;
    this.#line = new ProgressLine(streams.stderr, { render: () => this.#render() });
  }

  submitted(runId: string): void {
    this.#runId = runId;
    this.#status = 'queued';
    this.#line.redraw();
  }

  event(event: RunEvent): void {
    this.#events++;
    const elapsed = formatDuration(performance.now() - this.#startedAt);
    const style = (format: Parameters<typeof styleText>[0], text: string): string => styleText(format, text, { stream: this.#streams.stderr });
    switch (event.type) {
      case 'run.accepted':
        this.#status = 'queued';
        break;
      case 'run.started':
        this.#status = 'running';
        break;
      case 'log':
        this.#lastLog = event.data.message;
        this.#line.print(formatLog(event.data, style));
        break;
      case 'run.completed':
        this.#line.stop(`${style('green', '✔')} run ${this.#runId} completed in ${elapsed} · ${this.#events} events`);
        writeOutput(this.#streams, event.data.output);
        return;
      case 'run.failed':
        this.#line.stop(`${style('red', '✖')} run ${this.#runId} failed after ${elapsed}: ${formatRunError(event.data.error, style)}`);
        return;
      case 'run.cancelled':
        this.#line.stop(`${style('yellow', '■')} run ${this.#runId} cancelled after ${elapsed}`);
        return;
    }
    this.#line.redraw();
  }

  note(message: string): void {
    this.#line.print(`aiws run: ${message}`);
  }

  close(): void {
    this.#line.stop();
  }

  #render(): string {
    const elapsed = formatDuration(performance.now() - this.#startedAt);
    // The live line is narrow: a run id prefix is enough to tell runs apart; the summary has it whole.
    const parts = [`run ${this.#runId === '' ? '…' : shortId(this.#runId)}`, this.#status, elapsed, `${this.#events} event${this.#events === 1 ? '' : 's'}`];
    if (this.#lastLog !== '') parts.push(this.#lastLog);
    return parts.join(' · ');
  }
}

/** `run_3cf0ef3f-3fd6-…` → `run_3cf0ef3f`. */
function shortId(runId: string): string {
  return runId.length <= 16 ? runId : runId.slice(0, 12);
}

type Styler = (format: Parameters<typeof styleText>[0], text: string) => string;
const noStyle: Styler = (_format, text) => text;

/** `info  message {"field":1}`: one guest log entry. */
function formatLog(data: { level: string; message: string; fields?: Readonly<Record<string, unknown>> }, style: Styler = noStyle): string {
  const fields = data.fields === undefined || Object.keys(data.fields).length === 0 ? '' : ` ${style('dim', JSON.stringify(data.fields))}`;
  const level = data.level.padEnd(5);
  const styledLevel = data.level === 'error' ? style('red', level) : data.level === 'warn' ? style('yellow', level) : style('dim', level);
  return `${styledLevel} ${data.message}${fields}`;
}

/**
 * `WORKFLOW_ERROR: boom` followed by the guest stack, indented; a store workflow's declared error code
 * (`details.workflowCode`) is shown next to it: `WORKFLOW_ERROR (AMOUNT_INVALID): ...`.
 */
function formatRunError(error: RunErrorInfo, style: Styler = noStyle): string {
  const workflowCode = error.details?.workflowCode;
  const code = typeof workflowCode === 'string' ? `${error.code} (${workflowCode})` : error.code;
  const head = `${style('bold', code)}: ${error.message}`;
  if (error.stack === undefined || error.stack === '') return head;
  // The stack usually repeats the message on its first line; show only the frames.
  const frames = error.stack.split('\n').filter((line) => /^\s*at /.test(line));
  return frames.length === 0 ? head : `${head}\n${style('dim', frames.map((frame) => `    ${frame.trim()}`).join('\n'))}`;
}

function writeOutput(streams: ReporterStreams, output: unknown): void {
  if (output === undefined) return;
  streams.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
}

/** `850 ms`, `1.2 s`, `3 m 05 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1_000);
  return `${Math.floor(seconds / 60)} m ${String(seconds % 60).padStart(2, '0')} s`;
}
