/**
 * Run subscriptions: delivering one run's events to a sink, history first and then live.
 *
 * History is replayed from the store page by page and only as fast as the sink drains, then delivery
 * switches to live; a live event that does not follow the last delivered seq (or one published while
 * a page was being read) sends it back to the store, so replay and live events meet without gaps or
 * duplicates.
 */
import type { Logger } from '../log/index.ts';
import type { RunEvent, RunStatus } from '../protocol/index.ts';
import type { EventStore } from './event-store.ts';
import type { RunRecord } from './run-registry.ts';

/**
 * Where a subscription delivers events, with the flow control replay needs: history is written only
 * while `writable` holds, so replaying a long run never floods a slow socket. Live events are written
 * as they happen; the sink decides what to do when its reader falls behind.
 */
export interface RunEventSink {
  /** Takes one event: called in seq order, each seq exactly once. Must not throw. */
  write(event: RunEvent): void;
  /** True when the sink can take another replayed event now. */
  readonly writable: boolean;
  /** Resolves once the sink is writable again, or closed. */
  drained(): Promise<void>;
}

/** A subscription to one run's events. Delivery begins at `start()`; `close()` stops it. Idempotent. */
export interface RunSubscription {
  readonly runId: string;
  readonly status: RunStatus;
  /** The run's last seq when the subscription was made. */
  readonly lastSeq: number;
  start(): void;
  close(): void;
}

/** Events read from the store per replay page. */
const replayPageEvents = 256;

/**
 * Subscribes `sink` to the events of `run` with `seq > afterSeq`, read from `store`; nothing is
 * delivered before `start()`.
 */
export function subscribeRun(run: RunRecord, store: EventStore, log: Logger, afterSeq: number, sink: RunEventSink): RunSubscription {
  const runId = run.runId;
  let delivered = afterSeq;
  let mode: 'idle' | 'replay' | 'live' = 'idle';
  let replaying = false;
  let closed = false;

  const replay = async (): Promise<void> => {
    mode = 'replay';
    if (replaying) return;
    replaying = true;
    try {
      while (!closed) {
        const page = await store.read(runId, delivered, replayPageEvents);
        for (const event of page) {
          if (!sink.writable) await sink.drained();
          if (closed) return;
          if (event.seq === delivered + 1) {
            delivered = event.seq;
            sink.write(event);
          }
        }
        if (page.length < replayPageEvents) {
          if (!sink.writable) await sink.drained();
          // Events published while this page was read were ignored in replay mode: fetch them too.
          if (run.publishedSeq <= delivered) {
            mode = 'live';
            return;
          }
        }
      }
    } catch (err) {
      log.error({ err, runId }, 'event replay failed');
    } finally {
      replaying = false;
    }
  };

  const live = (event: RunEvent): void => {
    if (closed || mode !== 'live' || event.seq <= delivered) return;
    if (event.seq !== delivered + 1) {
      void replay();
      return;
    }
    delivered = event.seq;
    sink.write(event);
  };
  run.listeners.add(live);
  return {
    runId,
    status: run.status,
    lastSeq: run.seq,
    start: () => {
      if (mode === 'idle' && !closed) void replay();
    },
    close: () => {
      closed = true;
      run.listeners.delete(live);
    },
  };
}
