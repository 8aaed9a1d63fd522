/**
 * ProgressLine: one terminal line rewritten in place (spinner + text) with ordinary lines printed
 * above it, for `aiws run` in a TTY. Only the owner of a TTY stream should use it: it writes ANSI
 * erase sequences.
 */

/** The part of a TTY write stream the line needs. */
export interface ProgressStream {
  write(chunk: string): boolean;
  readonly columns?: number;
}

export interface ProgressLineOptions {
  /** Called on every redraw for the text after the spinner. */
  readonly render: () => string;
  /** @default 80 */
  readonly intervalMs?: number;
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const eraseLine = '\r\x1b[2K';

export class ProgressLine {
  readonly #stream: ProgressStream;
  readonly #render: () => string;
  #frame = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(stream: ProgressStream, options: ProgressLineOptions) {
    this.#stream = stream;
    this.#render = options.render;
    this.#timer = setInterval(() => {
      this.#frame = (this.#frame + 1) % frames.length;
      this.redraw();
    }, options.intervalMs ?? 80);
    // The spinner alone must never keep the process alive.
    this.#timer.unref();
    this.redraw();
  }

  /** Rewrites the line from `render()` now (after a state change, without waiting for the tick). */
  redraw(): void {
    if (this.#stopped) return;
    this.#stream.write(`${eraseLine}${fit(`${frames[this.#frame]} ${this.#render()}`, this.#stream.columns)}`);
  }

  /** Prints `text` (one or more lines) above the progress line, which is redrawn below it. */
  print(text: string): void {
    if (this.#stopped) {
      this.#stream.write(`${text}\n`);
      return;
    }
    this.#stream.write(`${eraseLine}${text}\n`);
    this.redraw();
  }

  /** Erases the line for good, leaving `finalText` (if any) in its place; idempotent. */
  stop(finalText?: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stream.write(eraseLine + (finalText === undefined ? '' : `${finalText}\n`));
  }

  [Symbol.dispose](): void {
    this.stop();
  }
}

/** Cuts `text` to one line that fits `columns`, so the line never wraps (a wrapped line cannot be erased). */
function fit(text: string, columns: number | undefined): string {
  const line = text.replace(/\s*[\r\n]+\s*/g, ' ');
  // A pty without a window size reports 0 columns: assume the classic 80 then.
  const width = Math.max(10, (columns === undefined || columns <= 0 ? 80 : columns) - 1);
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}
