// verifyRun: the pure chain check over events in memory (no journal): seq order, prev links, hashes.
import { describe, expect, it } from 'vitest';
import { chainEvent, GENESIS_HASH, hashRecord, verifyRun, type JournalRecord } from '../../../src/journal/index.ts';

function chain(count: number, runId = 'run-1'): JournalRecord[] {
  const out: JournalRecord[] = [];
  for (let seq = 1; seq <= count; seq++) {
    out.push(chainEvent({ runId, seq, ts: `2026-01-01T00:00:0${seq % 10}.000Z`, type: seq === 1 ? 'run.accepted' : 'log', data: { n: seq, text: `event ${seq}` } }, out.at(-1)?.hash ?? GENESIS_HASH));
  }
  return out;
}

describe('verifyRun', () => {
  it('accepts an intact chain and counts its events', () => {
    const events = chain(5);
    expect(events[0]?.prev).toBe(GENESIS_HASH);
    expect(verifyRun(events)).toEqual({ ok: true, count: 5, lastHash: events[4]?.hash });
  });

  it('accepts an empty run', () => {
    expect(verifyRun([])).toMatchObject({ ok: true, count: 0 });
  });

  it('reports an edited event at its seq', () => {
    const events = chain(5);
    events[2] = { ...(events[2] as JournalRecord), data: { n: 3, text: 'event 3!' } };
    expect(verifyRun(events)).toMatchObject({ ok: false, seq: 3, reason: expect.stringMatching(/event 3 was altered/) as unknown });
  });

  it('reports an edit whose hash was recomputed at the next seq, whose prev no longer matches', () => {
    const events = chain(5);
    const edited = { ...(events[1] as JournalRecord), data: { n: 2, text: 'forged' } };
    events[1] = { ...edited, hash: hashRecord(edited) };
    expect(verifyRun(events)).toMatchObject({ ok: false, seq: 3, reason: expect.stringMatching(/does not follow event 2/) as unknown });
  });

  it('reports a deleted event at the missing seq', () => {
    const events = chain(5);
    events.splice(3, 1);
    expect(verifyRun(events)).toMatchObject({ ok: false, seq: 4, reason: expect.stringMatching(/event 4 is missing/) as unknown });
  });

  it('reports reordered events at the first seq out of place', () => {
    const events = chain(5);
    [events[1], events[2]] = [events[2] as JournalRecord, events[1] as JournalRecord];
    expect(verifyRun(events)).toMatchObject({ ok: false, seq: 2 });
  });

  it('reports an event of another run', () => {
    const events = chain(3);
    events[2] = chain(3, 'run-2')[2] as JournalRecord;
    expect(verifyRun(events)).toMatchObject({ ok: false, seq: 3, reason: expect.stringMatching(/belongs to run "run-2"/) as unknown });
  });

  it('reports a missing hash and unknown members', () => {
    const events: unknown[] = chain(2);
    const { hash: _hash, ...noHash } = events[1] as JournalRecord;
    expect(verifyRun([events[0], noHash])).toMatchObject({ ok: false, seq: 2, reason: expect.stringMatching(/"hash"/) as unknown });
    expect(verifyRun([{ ...(events[0] as object), extra: 1 }])).toMatchObject({ ok: false, seq: 1, reason: expect.stringMatching(/"extra"/) as unknown });
  });

  it('reports a chain that does not start at seq 1', () => {
    expect(verifyRun(chain(3).slice(1))).toMatchObject({ ok: false, seq: 1 });
  });
});
