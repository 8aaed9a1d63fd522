// Segment framing: frames round-trip, and the scan separates valid frames from damaged bytes,
// resynchronising on the next valid frame after damage and flagging damage that runs to the end.
import { describe, expect, it } from 'vitest';
import { encodeFrame, scanSegment, segmentFileHeader } from '../../../src/journal/segment-format.ts';

const payloads = ['{"a":1}', '{"b":"two"}', '{"c":[3,3,3]}'].map((text) => Buffer.from(text));

function segment(...parts: Buffer[]): Buffer {
  return Buffer.concat([segmentFileHeader, ...parts]);
}

function texts(buffer: Buffer): string[] {
  return scanSegment(buffer, 1024).frames.map((frame) => frame.payload.toString());
}

describe('scanSegment', () => {
  it('reads back every frame of an intact segment', () => {
    const buffer = segment(...payloads.map(encodeFrame));
    expect(texts(buffer)).toEqual(['{"a":1}', '{"b":"two"}', '{"c":[3,3,3]}']);
    expect(scanSegment(buffer, 1024).damaged).toEqual([]);
  });

  it('skips a frame whose length field was damaged and finds the next one', () => {
    const frames = payloads.map(encodeFrame);
    (frames[1] as Buffer)[4] = 0x7f;
    const buffer = segment(...frames);
    expect(texts(buffer)).toEqual(['{"a":1}', '{"c":[3,3,3]}']);
    const offset = segmentFileHeader.length + (frames[0] as Buffer).length;
    expect(scanSegment(buffer, 1024).damaged).toEqual([{ offset, bytes: (frames[1] as Buffer).length, atTail: false }]);
  });

  it('flags a frame cut short at the end as damage at the tail', () => {
    const frames = payloads.map(encodeFrame);
    const buffer = segment(frames[0] as Buffer, frames[1] as Buffer, (frames[2] as Buffer).subarray(0, 9));
    expect(texts(buffer)).toEqual(['{"a":1}', '{"b":"two"}']);
    expect(scanSegment(buffer, 1024).damaged).toEqual([{ offset: buffer.length - 9, bytes: 9, atTail: true }]);
  });

  it('rejects a frame over the payload limit', () => {
    const buffer = segment(encodeFrame(Buffer.from('x'.repeat(64))));
    expect(scanSegment(buffer, 63).frames).toEqual([]);
    expect(scanSegment(buffer, 64).frames).toHaveLength(1);
  });
});
