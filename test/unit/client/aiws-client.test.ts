// AiwsClient against a real JSON-RPC WebSocket server on 127.0.0.1: correlation, typed errors,
// notifications, and following a run across dropped connections without gaps or duplicates.
import { createServer } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { AiwsClient, AiwsConnectionError, AiwsRpcError, isAiwsRpcError, type RunEvent } from '../../../src/client/index.ts';
import { RpcTestServer, type TestServerOptions } from './rpc-test-server.ts';

async function startServer(options: TestServerOptions = {}): Promise<RpcTestServer> {
  const server = await RpcTestServer.start(options);
  onTestFinished(() => server.close());
  return server;
}

async function connect(server: RpcTestServer, token?: string): Promise<AiwsClient> {
  const client = await AiwsClient.connect(server.url, token === undefined ? {} : { token });
  onTestFinished(() => client.close());
  return client;
}

async function collect(iterable: AsyncIterable<RunEvent>, onEach?: (event: RunEvent) => void): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const event of iterable) {
    events.push(event);
    onEach?.(event);
  }
  return events;
}

/** A port nothing listens on: bind one, note it, release it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('AiwsClient', () => {
  describe('.connect', () => {
    it('fails with a connect error when nothing listens', async () => {
      const url = `ws://127.0.0.1:${await closedPort()}/v1`;
      const error = await AiwsClient.connect(url).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AiwsConnectionError);
      expect(error).toMatchObject({ failure: 'connect', url });
      expect((error as Error).message).toContain('ECONNREFUSED');
    });

    it('reports a refused upgrade with its HTTP status when the token is wrong', async () => {
      const server = await startServer({ token: 's3cret' });
      const error = await AiwsClient.connect(server.url, { token: 'wrong' }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ failure: 'rejected', httpStatus: 401 });
      expect((error as Error).message).toContain('HTTP 401');
    });

    it('sends the token as a bearer authorization header', async () => {
      const server = await startServer({ token: 's3cret' });
      const client = await connect(server, 's3cret');
      await expect(client.request('echo', { ok: true })).resolves.toEqual({ ok: true });
    });
  });

  describe('#request', () => {
    it('correlates concurrent responses that arrive out of order', async () => {
      const server = await startServer();
      const client = await connect(server);
      const results = await Promise.all([
        client.request('slow', { n: 1, delayMs: 60 }),
        client.request('slow', { n: 2, delayMs: 5 }),
        client.request('slow', { n: 3, delayMs: 30 }),
      ]);
      expect(results).toEqual([
        { n: 1, delayMs: 60 },
        { n: 2, delayMs: 5 },
        { n: 3, delayMs: 30 },
      ]);
    });

    it('rejects an error response with an AiwsRpcError carrying both codes', async () => {
      const server = await startServer();
      const client = await connect(server);
      const error = await client.request('fail', {}).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AiwsRpcError);
      expect(error).toMatchObject({ rpcCode: -32031, code: 'DAEMON_BUSY', retryable: true, method: 'fail', message: 'Cannot start run: queue is full' });
      expect(isAiwsRpcError(error, 'DAEMON_BUSY')).toBe(true);
      expect(isAiwsRpcError(error, 'RUN_NOT_FOUND')).toBe(false);
    });

    it('rejects with a TimeoutError when no response comes in time, and keeps working', async () => {
      const server = await startServer();
      const client = await connect(server);
      await expect(client.request('never', {}, { timeoutMs: 50 })).rejects.toMatchObject({ name: 'TimeoutError' });
      await expect(client.request('echo', { after: 'timeout' })).resolves.toEqual({ after: 'timeout' });
    });

    it('rejects pending requests when the connection drops', async () => {
      const server = await startServer();
      const client = await connect(server);
      const pending = client.request('never', {});
      await client.request('echo', {});
      server.dropAll();
      const error = await pending.catch((caught: unknown) => caught);
      expect(error).toMatchObject({ failure: 'closed', closeCode: 1006 });
      expect(client.state).toBe('disconnected');
    });

    it('rejects at once after close, and close is idempotent', async () => {
      const server = await startServer();
      const client = await connect(server);
      await Promise.all([client.close(), client.close()]);
      expect(client.state).toBe('closed');
      await expect(client.request('echo', {})).rejects.toThrow('the connection is closed');
    });
  });

  describe('#onEvent', () => {
    it('delivers events that arrived before the listener existed, then live ones', async () => {
      const server = await startServer();
      const client = await connect(server);
      // run.accepted is sent before the runs.start response, so no listener can exist for it yet.
      const { runId } = await client.request('runs.start', { code: 'x' });
      const seen: string[] = [];
      const off = client.onEvent(runId, (event) => seen.push(`${event.seq}:${event.type}`));
      server.emit(runId, 'run.started');
      await client.request('echo', {}); // a round trip: the notification sent before it has arrived
      off();
      server.emit(runId, 'log', { message: 'after off' });
      await client.request('echo', {});
      expect(seen).toEqual(['1:run.accepted', '2:run.started']);
    });

    it('keeps at most maxUnclaimedEvents unclaimed, evicting whole runs oldest first', async () => {
      const server = await startServer();
      const client = await AiwsClient.connect(server.url, { maxUnclaimedEvents: 3 });
      onTestFinished(() => client.close());
      const first = (await client.request('runs.start', { code: 'x' })).runId;
      const second = (await client.request('runs.start', { code: 'x' })).runId;
      server.emit(second, 'run.started');
      server.emit(second, 'log', { message: 'the 4th unclaimed event: the first run (1 event) is evicted' });
      await client.request('echo', {});
      const seen: string[] = [];
      client.onEvent(first, (event) => seen.push(`${event.runId}:${event.seq}`));
      client.onEvent(second, (event) => seen.push(`${event.runId}:${event.seq}`));
      expect(seen).toEqual([`${second}:1`, `${second}:2`, `${second}:3`]);
    });
  });

  describe('#followRun', () => {
    it('yields a subscribed run to its terminal event', async () => {
      const server = await startServer();
      const client = await connect(server);
      const { runId } = await client.request('runs.start', { code: 'x' });
      const done = collect(client.followRun(runId, { subscribed: true }));
      server.emit(runId, 'run.started');
      server.emit(runId, 'log', { message: 'hi' });
      server.emit(runId, 'run.completed', { output: 42 });
      server.emit(runId, 'log', { message: 'never seen: after the terminal event' });
      const events = await done;
      expect(events.map((event) => [event.seq, event.type])).toEqual([
        [1, 'run.accepted'],
        [2, 'run.started'],
        [3, 'log'],
        [4, 'run.completed'],
      ]);
      expect(events.at(-1)?.data).toEqual({ output: 42 });
    });

    it('replays a finished run from afterSeq and ends', async () => {
      const server = await startServer();
      server.emit('old', 'run.accepted');
      server.emit('old', 'run.started');
      server.emit('old', 'run.failed', { error: { code: 'WORKFLOW_ERROR', message: 'boom' } });
      const client = await connect(server);
      expect((await collect(client.followRun('old', { afterSeq: 1 }))).map((event) => event.seq)).toEqual([2, 3]);
      expect(await collect(client.followRun('old', { afterSeq: 3 }))).toEqual([]);
    });

    it('surfaces RUN_NOT_FOUND from the subscription', async () => {
      const server = await startServer();
      const client = await connect(server);
      await expect(collect(client.followRun('nope'))).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    });

    it('resumes after dropped connections with no gaps and no duplicates', async () => {
      // The server replays 2 already-delivered events on every resubscribe: the client must drop them.
      const server = await startServer({ replayOverlap: 2 });
      const client = await connect(server);
      const { runId } = await client.request('runs.start', { code: 'x' });
      let drops = 0;
      const events = await collect(client.followRun(runId, { subscribed: true, reconnectDelayMs: 10 }), (event) => {
        if (event.seq === 1) for (let i = 0; i < 3; i++) server.emit(runId, 'log', { i });
        if (event.seq === 4 && drops++ === 0) {
          server.dropAll();
          // Emitted while no client is connected: only the resubscription can deliver them.
          for (let i = 0; i < 3; i++) server.emit(runId, 'log', { i });
        }
        if (event.seq === 7 && drops++ === 1) {
          server.dropAll();
          server.emit(runId, 'run.completed', { output: 'ok' });
        }
      });
      expect(events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(events.at(-1)?.type).toBe('run.completed');
      expect(drops).toBe(2);
      const subscribes = server.requests.filter((request) => request.method === 'runs.subscribe').map((request) => request.params);
      expect(subscribes).toEqual([
        { runId, afterSeq: 4 },
        { runId, afterSeq: 7 },
      ]);
      expect(client.state).toBe('open');
    });

    it('resumes when the connection dropped before following began', async () => {
      const server = await startServer();
      const client = await connect(server);
      const { runId } = await client.request('runs.start', { code: 'x' });
      server.dropAll();
      await expect.poll(() => client.state).toBe('disconnected');
      server.emit(runId, 'run.completed', { output: 1 });
      const events = await collect(client.followRun(runId, { subscribed: true, reconnectDelayMs: 5 }));
      expect(events.map((event) => [event.seq, event.type])).toEqual([
        [1, 'run.accepted'],
        [2, 'run.completed'],
      ]);
    });

    it('ends with a connection error when the client is closed while following', async () => {
      const server = await startServer();
      const client = await connect(server);
      const { runId } = await client.request('runs.start', { code: 'x' });
      const followed = collect(client.followRun(runId, { subscribed: true }), () => void client.close());
      await expect(followed).rejects.toThrow(`Cannot follow run "${runId}": the client is closed`);
    });

    it('gives up with a connection error when the daemon stays away', async () => {
      const server = await startServer();
      const client = await connect(server);
      const { runId } = await client.request('runs.start', { code: 'x' });
      const events: RunEvent[] = [];
      const followed = collect(client.followRun(runId, { subscribed: true, maxReconnects: 2, reconnectDelayMs: 5 }), (event) => events.push(event));
      await client.request('echo', {});
      await server.close();
      await expect(followed).rejects.toBeInstanceOf(AiwsConnectionError);
      expect(events.map((event) => event.type)).toContain('run.accepted');
    });

    it('stops when its signal aborts', async () => {
      const server = await startServer();
      const client = await connect(server);
      const { runId } = await client.request('runs.start', { code: 'x' });
      const controller = new AbortController();
      const followed = collect(client.followRun(runId, { subscribed: true, signal: controller.signal }), () => controller.abort(new Error('enough')));
      await expect(followed).rejects.toThrow('enough');
      // The abandoned subscription is released so the daemon stops sending.
      await client.request('echo', {});
      expect(server.requests.map((request) => request.method)).toContain('runs.unsubscribe');
    });
  });

  describe('#destroy', () => {
    it('rejects pending requests with the given reason and disposes the socket', async () => {
      const server = await startServer();
      const client = await connect(server);
      const pending = client.request('never', {});
      client.destroy(new Error('shutting down'));
      await expect(pending).rejects.toThrow('shutting down');
      expect(client.state).toBe('closed');
    });
  });

  describe('[Symbol.asyncDispose]', () => {
    it('closes the connection at the end of the scope', async () => {
      const server = await startServer();
      {
        await using client = await AiwsClient.connect(server.url);
        await client.request('echo', {});
        expect(server.connections).toBe(1);
      }
      await expect.poll(() => server.connections).toBe(0);
    });
  });
});
