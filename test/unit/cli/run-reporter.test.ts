// The three ways `aiws run` shows a run, fed real protocol events and real Writables.
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../src/client/index.ts';
import { createRunReporter, formatDuration } from '../../../src/cli/run-reporter.ts';
import { CaptureStream } from './capture-stream.ts';

const ts = '2026-01-01T00:00:00.000Z';
const runId = 'run-1';
const completed: RunEvent[] = [
  { runId, seq: 1, ts, type: 'run.accepted', data: { principal: 'local', source: 'code' } },
  { runId, seq: 2, ts, type: 'run.started', data: {} },
  { runId, seq: 3, ts, type: 'log', data: { level: 'info', message: 'Greeting Ada', fields: { name: 'Ada' } } },
  { runId, seq: 4, ts, type: 'run.completed', data: { output: { greeting: 'Hello, Ada!' } } },
];
const failed: RunEvent = {
  runId,
  seq: 3,
  ts,
  type: 'run.failed',
  data: { error: { code: 'WORKFLOW_ERROR', message: 'boom', stack: 'Error: boom\n    at default (hello.js:3:9)' } },
};

function streams(): { stdout: CaptureStream; stderr: CaptureStream } {
  return { stdout: new CaptureStream(), stderr: new CaptureStream(200) };
}

describe('createRunReporter', () => {
  describe("'json'", () => {
    it('writes every event as one JSON line on stdout and nothing else there', () => {
      const io = streams();
      const reporter = createRunReporter('json', io);
      reporter.submitted(runId);
      for (const event of completed) reporter.event(event);
      reporter.note('a note');
      reporter.close();
      const lines = io.stdout.text.trimEnd().split('\n');
      expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(completed);
      expect(io.stderr.text).toBe('aiws run: a note\n');
    });
  });

  describe("'plain'", () => {
    it('prints status and log lines on stderr and the output as JSON on stdout', () => {
      const io = streams();
      const reporter = createRunReporter('plain', io);
      reporter.submitted(runId);
      for (const event of completed) reporter.event(event);
      reporter.close();
      expect(io.stderr.text.split('\n')).toEqual([
        'run run-1 accepted',
        'run run-1 started',
        'info  Greeting Ada {"name":"Ada"}',
        expect.stringMatching(/^run run-1 completed in \d+ ms$/),
        '',
      ]);
      expect(JSON.parse(io.stdout.text)).toEqual({ greeting: 'Hello, Ada!' });
      expect(io.stdout.text).toContain('\n  "greeting"');
    });

    it('prints the error code, message and guest frames of a failed run', () => {
      const io = streams();
      const reporter = createRunReporter('plain', io);
      reporter.event(failed);
      expect(io.stderr.text).toMatch(/^run run-1 failed after \d+ ms: WORKFLOW_ERROR: boom\n {4}at default \(hello\.js:3:9\)\n$/);
      expect(io.stdout.text).toBe('');
    });
  });

  describe("'tty'", () => {
    it('keeps a progress line under the logs and ends with a summary', () => {
      const io = streams();
      const reporter = createRunReporter('tty', io);
      reporter.submitted(runId);
      for (const event of completed.slice(0, 3)) reporter.event(event);
      const live = io.stderr.screen.at(-1);
      expect(live).toMatch(/^\S run run-1 · running · \d+ ms · 3 events · Greeting Ada$/);
      reporter.event(completed[3] as RunEvent);
      reporter.close();
      expect(io.stderr.screen).toEqual(['info  Greeting Ada {"name":"Ada"}', expect.stringMatching(/^✔ run run-1 completed in \d+ ms · 4 events$/)]);
      expect(JSON.parse(io.stdout.text)).toEqual({ greeting: 'Hello, Ada!' });
    });

    it('ends a failed run with the error in place of the progress line', () => {
      const io = streams();
      const reporter = createRunReporter('tty', io);
      reporter.submitted(runId);
      reporter.event(failed);
      reporter.close();
      expect(io.stderr.screen[0]).toMatch(/^✖ run run-1 failed after \d+ ms: WORKFLOW_ERROR: boom$/);
      expect(io.stderr.screen[1]).toBe('    at default (hello.js:3:9)');
    });
  });
});

describe('formatDuration', () => {
  it('uses ms below a second, tenths of seconds below a minute, then minutes', () => {
    expect(formatDuration(850.4)).toBe('850 ms');
    expect(formatDuration(1_250)).toBe('1.3 s');
    expect(formatDuration(185_000)).toBe('3 m 05 s');
  });
});
