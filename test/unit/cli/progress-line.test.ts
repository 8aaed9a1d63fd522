// ProgressLine against a real Writable: the line is rewritten in place, printed lines stay above it,
// long text never wraps, and stop() leaves only the final text.
import { describe, expect, it } from 'vitest';
import { ProgressLine } from '../../../src/cli/progress-line.ts';
import { CaptureStream } from './capture-stream.ts';

describe('ProgressLine', () => {
  describe('#redraw', () => {
    it('rewrites one line with a spinner and the rendered text', () => {
      const stream = new CaptureStream();
      let count = 0;
      using line = new ProgressLine(stream, { render: () => `events ${count}` });
      count = 3;
      line.redraw();
      expect(stream.screen).toEqual([expect.stringMatching(/^\S events 3$/)]);
      expect(stream.text).toContain('\r\x1b[2K');
    });

    it('cuts text that would wrap to the width of the terminal', () => {
      const stream = new CaptureStream(20);
      using _line = new ProgressLine(stream, { render: () => 'x'.repeat(100) });
      const [shown] = stream.screen;
      expect(shown).toHaveLength(19);
      expect(shown?.endsWith('…')).toBe(true);
    });

    it('folds newlines in the text into one line', () => {
      const stream = new CaptureStream();
      using _line = new ProgressLine(stream, { render: () => 'first\nsecond' });
      expect(stream.screen).toEqual([expect.stringMatching(/^\S first second$/)]);
    });
  });

  describe('#print', () => {
    it('prints lines above the progress line, which stays last', () => {
      const stream = new CaptureStream();
      using line = new ProgressLine(stream, { render: () => 'status' });
      line.print('log one');
      line.print('log two');
      expect(stream.screen).toEqual(['log one', 'log two', expect.stringMatching(/^\S status$/)]);
    });
  });

  describe('#stop', () => {
    it('replaces the line with the final text once, however often it is called', () => {
      const stream = new CaptureStream();
      const line = new ProgressLine(stream, { render: () => 'status' });
      line.print('log');
      line.stop('done');
      line.stop('again');
      line.redraw();
      expect(stream.screen).toEqual(['log', 'done']);
    });

    it('stops the spinner timer', async () => {
      const stream = new CaptureStream();
      const line = new ProgressLine(stream, { render: () => 'status', intervalMs: 5 });
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(stream.chunks.length).toBeGreaterThan(2);
      line.stop();
      const written = stream.chunks.length;
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(stream.chunks.length).toBe(written);
    });
  });
});
