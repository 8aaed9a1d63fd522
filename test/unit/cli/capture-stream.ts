// A real Writable that records what is written to it, standing in for stdout/stderr in CLI unit
// tests; `columns` makes it look like a terminal of that width to code that asks.
import { Writable } from 'node:stream';

export class CaptureStream extends Writable {
  readonly chunks: string[] = [];
  readonly columns: number;

  constructor(columns = 80) {
    super({
      write: (chunk: Buffer | string, _encoding, callback) => {
        this.chunks.push(chunk.toString());
        callback();
      },
    });
    this.columns = columns;
  }

  get text(): string {
    return this.chunks.join('');
  }

  /** What a terminal would show: each erase-line sequence wipes the current line. */
  get screen(): string[] {
    const lines: string[] = [];
    let current = '';
    for (const piece of this.text.split(/(\r\x1b\[2K|\n)/)) {
      if (piece === '\r\x1b[2K') current = '';
      else if (piece === '\n') {
        lines.push(current);
        current = '';
      } else current += piece;
    }
    if (current !== '') lines.push(current);
    return lines;
  }
}
