/**
 * The on-disk framing of segment files: a file header, then records framed as
 * magic (4 bytes) | payload length (u32 LE) | CRC-32 of length + payload (u32 LE) | payload (UTF-8 JSON).
 *
 * The magic starts with 0xFF, a byte UTF-8 text never contains, so after a damaged record the scan
 * can find the next frame by searching for the magic and checking its CRC.
 */
import { crc32 } from 'node:zlib';

/** First bytes of every segment file: format name and version 1. */
export const segmentFileHeader = Buffer.from('AIWSJNL\x01', 'latin1');
/** Marks the start of every record. */
export const frameMagic = Buffer.from([0xff, 0x41, 0x4a, 0x52]);
/** Bytes before the payload. */
export const frameHeaderBytes = 12;

/** Frames `payload` for appending to a segment. */
export function encodeFrame(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(frameHeaderBytes + payload.length);
  frameMagic.copy(frame, 0);
  frame.writeUInt32LE(payload.length, 4);
  payload.copy(frame, frameHeaderBytes);
  frame.writeUInt32LE(frameCrc(frame, 0, payload.length), 8);
  return frame;
}

function frameCrc(buffer: Buffer, offset: number, length: number): number {
  const lengthBytes = buffer.subarray(offset + 4, offset + 8);
  return crc32(buffer.subarray(offset + frameHeaderBytes, offset + frameHeaderBytes + length), crc32(lengthBytes));
}

/**
 * The payload length of a valid frame at `offset`, or undefined when the bytes there are not one
 * (wrong magic, a length running past the end or over `maxPayloadBytes`, a CRC mismatch).
 */
export function validFrameAt(buffer: Buffer, offset: number, maxPayloadBytes: number): number | undefined {
  if (offset + frameHeaderBytes > buffer.length) return undefined;
  if (buffer.compare(frameMagic, 0, 4, offset, offset + 4) !== 0) return undefined;
  const length = buffer.readUInt32LE(offset + 4);
  if (length > maxPayloadBytes || offset + frameHeaderBytes + length > buffer.length) return undefined;
  return frameCrc(buffer, offset, length) === buffer.readUInt32LE(offset + 8) ? length : undefined;
}

/** A record found by scanning a segment. */
export interface ScannedFrame {
  /** Offset of the frame (not the payload) in the file. */
  readonly offset: number;
  readonly payload: Buffer;
}

/** Bytes that are not a valid frame. */
export interface DamagedRange {
  readonly offset: number;
  readonly bytes: number;
  /** True when no valid frame follows: the range runs to the end of the file. */
  readonly atTail: boolean;
}

export interface SegmentScan {
  readonly frames: readonly ScannedFrame[];
  readonly damaged: readonly DamagedRange[];
}

/**
 * Splits a whole segment file into valid frames and damaged ranges. A damaged range followed by a
 * valid frame is damage inside the file; one running to the end is a torn (or damaged) tail.
 */
export function scanSegment(buffer: Buffer, maxPayloadBytes: number): SegmentScan {
  const frames: ScannedFrame[] = [];
  const damaged: DamagedRange[] = [];
  let offset = segmentFileHeader.length;
  while (offset < buffer.length) {
    const length = validFrameAt(buffer, offset, maxPayloadBytes);
    if (length !== undefined) {
      frames.push({ offset, payload: buffer.subarray(offset + frameHeaderBytes, offset + frameHeaderBytes + length) });
      offset += frameHeaderBytes + length;
      continue;
    }
    let next = buffer.indexOf(frameMagic, offset + 1);
    while (next !== -1 && validFrameAt(buffer, next, maxPayloadBytes) === undefined) next = buffer.indexOf(frameMagic, next + 1);
    const end = next === -1 ? buffer.length : next;
    damaged.push({ offset, bytes: end - offset, atTail: next === -1 });
    offset = end;
  }
  return { frames, damaged };
}
