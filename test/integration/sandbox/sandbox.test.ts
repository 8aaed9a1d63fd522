// The sandbox through createSandbox: results, compile and runtime errors, ctx (log, call, runId),
// what the guest can and cannot reach. Real worker processes, real isolates.
import { describe, expect, it } from 'vitest';
import { DaemonError } from '../../../src/errors/index.ts';
import { failureOf, outputOf, runWorkflow, useSandbox } from './harness.ts';

const sandbox = useSandbox({ warmIsolates: 1 });

describe('Sandbox', () => {
  describe('#run', () => {
    it('completes with the returned output and the logs in order', async () => {
      const { outcome, logs, started } = await runWorkflow(sandbox(), `
        export default async function (input, ctx) {
          ctx.log('starting', { name: input.name });
          ctx.log.warn('careful');
          ctx.log.debug('details', { n: 1 });
          console.log('from console', 42);
          return { greeting: 'Hello, ' + input.name, runId: ctx.runId.length > 0 };
        }`, { input: { name: 'Ada' } });
      expect(outputOf(outcome)).toEqual({ greeting: 'Hello, Ada', runId: true });
      expect(started).toBe(true);
      expect(logs).toEqual([
        { level: 'info', message: 'starting', fields: { name: 'Ada' } },
        { level: 'warn', message: 'careful' },
        { level: 'debug', message: 'details', fields: { n: 1 } },
        { level: 'info', message: 'from console 42' },
      ]);
      expect(outcome.stats.cpuMs).toBeGreaterThan(0);
    });

    it('completes with null when the workflow returns nothing', async () => {
      const { outcome } = await runWorkflow(sandbox(), 'export default async function () {}');
      expect(outputOf(outcome)).toBeNull();
    });

    it('waits for top-level await before calling the default export', async () => {
      const { outcome } = await runWorkflow(sandbox(), `
        const order = [];
        order.push('top');
        await Promise.resolve();
        order.push('after await');
        export default async function () { order.push('main'); return order; }`);
      expect(outputOf(outcome)).toEqual(['top', 'after await', 'main']);
    });

    it('hands ctx.runId to the guest', async () => {
      const outcome = await sandbox().run(
        { runId: 'run-abc', code: 'export default async (input, ctx) => ctx.runId', filename: 'id.js', input: null, limits: { memoryMb: 32, cpuMs: 500, wallMs: 1000, maxOutputBytes: 1000 } },
        { onLog: () => undefined, onCall: async () => null },
      );
      expect(outputOf(outcome)).toBe('run-abc');
    });

    it('repeats Math.random for the same seed and differs for another', async () => {
      const code = 'export default async function () { return [Math.random(), Math.random()]; }';
      const first = outputOf((await runWorkflow(sandbox(), code, { seed: 'seed-1' })).outcome) as number[];
      const again = outputOf((await runWorkflow(sandbox(), code, { seed: 'seed-1' })).outcome) as number[];
      const other = outputOf((await runWorkflow(sandbox(), code, { seed: 'seed-2' })).outcome) as number[];
      expect(again).toEqual(first);
      expect(other).not.toEqual(first);
      expect(first.every((value) => value >= 0 && value < 1)).toBe(true);
    });

    it('gives a fresh context to every run', async () => {
      await runWorkflow(sandbox(), 'globalThis.leak = "secret"; Array.prototype.leak = 1; export default async () => null;');
      const { outcome } = await runWorkflow(sandbox(), 'export default async () => [typeof globalThis.leak, [].leak === undefined];');
      expect(outputOf(outcome)).toEqual(['undefined', true]);
    });
  });

  describe('ctx.log', () => {
    it('refuses fields that are not a plain JSON object, inside the guest', async () => {
      const { outcome, logs } = await runWorkflow(sandbox(), `
        export default async (input, ctx) => {
          const errors = [];
          for (const fields of [[1, 2], 'text', { f() {} }, { big: 'x'.repeat(20000) }]) {
            try { ctx.log('bad', fields); } catch (error) { errors.push(error.constructor.name); }
          }
          return errors;
        }`);
      expect(outputOf(outcome)).toEqual(['TypeError', 'TypeError', 'TypeError', 'RangeError']);
      expect(logs).toEqual([]);
    });

    it('truncates long messages and stops a log flood after 10,000 entries', async () => {
      const { outcome, logs } = await runWorkflow(sandbox(), `
        export default async (input, ctx) => {
          ctx.log('y'.repeat(10000));
          for (let i = 0; i < 10100; i++) ctx.log.debug('entry ' + i);
          return 'done';
        }`, { limits: { cpuMs: 5000, wallMs: 10_000 } });
      expect(outputOf(outcome)).toBe('done');
      expect(logs[0]?.message).toHaveLength(8193);
      expect(logs).toHaveLength(10_001);
      expect(logs.at(-1)).toEqual({ level: 'warn', message: 'log limit reached: further entries of this run are dropped' });
    });
  });

  describe('workflow errors', () => {
    it('reports a syntax error as WORKFLOW_INVALID with line and column', async () => {
      const { outcome, started } = await runWorkflow(sandbox(), 'export default async function () {\n  return 1 +;\n}', { filename: 'broken.js' });
      const error = failureOf(outcome);
      expect(error.code).toBe('WORKFLOW_INVALID');
      expect(error.message).toContain('"broken.js"');
      expect(error.message).toContain('line 2, column 13');
      expect(error.details).toEqual({ line: 2, column: 13 });
      expect(started).toBe(false);
    });

    it('refuses a module without a default export function', async () => {
      const error = failureOf((await runWorkflow(sandbox(), 'export const answer = 42;')).outcome);
      expect(error.code).toBe('WORKFLOW_INVALID');
      expect(error.message).toContain('no default export function');
    });

    it('refuses static imports as WORKFLOW_INVALID', async () => {
      const error = failureOf((await runWorkflow(sandbox(), 'import fs from "node:fs";\nexport default async () => fs;')).outcome);
      expect(error.code).toBe('WORKFLOW_INVALID');
      expect(error.message).toContain('"node:fs"');
    });

    it('reports a thrown error as WORKFLOW_ERROR with the guest message and guest frames only', async () => {
      const { outcome } = await runWorkflow(sandbox(), [
        'function explode(what) {',
        '  throw new TypeError("cannot frobnicate " + what);',
        '}',
        'export default async function () { await null; explode("widgets"); }',
      ].join('\n'), { filename: 'explode.js' });
      const error = failureOf(outcome);
      expect(error.code).toBe('WORKFLOW_ERROR');
      expect(error.message).toBe('cannot frobnicate widgets');
      expect(error.stack).toMatch(/^TypeError: cannot frobnicate widgets\n/);
      expect(error.stack).toContain('at explode (explode.js:2:9)');
      expect(error.stack).not.toMatch(/aiws:|node:|file:|\/work\/|isolated-vm/);
    });

    it('reports an error thrown by top-level code as WORKFLOW_ERROR without host frames', async () => {
      const error = failureOf((await runWorkflow(sandbox(), 'throw new Error("at load");\nexport default async () => 1;', { filename: 'load.js' })).outcome);
      expect(error.code).toBe('WORKFLOW_ERROR');
      expect(error.message).toBe('at load');
      expect(error.stack).toContain('load.js:1:7');
      expect(error.stack).not.toMatch(/file:|\/work\/|isolated-vm/);
    });

    it('keeps a thrown error\'s own code as details.workflowCode, still failing with WORKFLOW_ERROR', async () => {
      const code = [
        'export default async (input) => {',
        '  throw Object.assign(new Error("not enough money"), { code: input.code });',
        '};',
      ].join('\n');
      const declared = failureOf((await runWorkflow(sandbox(), code, { input: { code: 'INSUFFICIENT_FUNDS' } })).outcome);
      expect(declared).toMatchObject({ code: 'WORKFLOW_ERROR', message: 'not enough money', details: { workflowCode: 'INSUFFICIENT_FUNDS' } });
      for (const bad of ['lower_case', 'X', `A${'B'.repeat(64)}`, 42]) {
        const error = failureOf((await runWorkflow(sandbox(), code, { input: { code: bad } })).outcome);
        expect(error.code, String(bad)).toBe('WORKFLOW_ERROR');
        expect(error.details, String(bad)).toBeUndefined();
      }
    });

    it('reports a thrown non-Error value with its string form', async () => {
      const error = failureOf((await runWorkflow(sandbox(), 'export default async () => { throw "plain string"; }')).outcome);
      expect(error).toMatchObject({ code: 'WORKFLOW_ERROR', message: 'plain string' });
    });

    it('refuses output that is not JSON-serialisable', async () => {
      for (const value of ['() => 1', '{ big: 10n }', '(() => { const a = {}; a.self = a; return a; })()', '{ n: NaN }']) {
        const error = failureOf((await runWorkflow(sandbox(), `export default async () => (${value});`)).outcome);
        expect(error.code, value).toBe('WORKFLOW_OUTPUT_INVALID');
      }
    });

    it('refuses output larger than maxOutputBytes', async () => {
      const code = 'export default async (input) => "é".repeat(input.n);';
      const error = failureOf((await runWorkflow(sandbox(), code, { input: { n: 600 }, limits: { maxOutputBytes: 1000 } })).outcome);
      expect(error.code).toBe('LIMIT_OUTPUT');
      expect(error.message).toContain('1000 bytes');
      // 400 two-byte characters plus quotes fit in 1000 bytes.
      expect(outputOf((await runWorkflow(sandbox(), code, { input: { n: 400 }, limits: { maxOutputBytes: 1000 } })).outcome)).toHaveLength(400);
    });
  });

  describe('ctx.call', () => {
    it('round-trips arguments and results with per-run call ids', async () => {
      const { outcome, calls } = await runWorkflow(sandbox(), `
        export default async function (input, ctx) {
          const a = await ctx.call('math.add', { a: 1, b: 2 });
          const b = await ctx.call('math.add', { a: a.sum, b: 10 });
          return b.sum;
        }`, { onCall: async (call) => { const args = call.args as { a: number; b: number }; return { sum: args.a + args.b }; } });
      expect(outputOf(outcome)).toBe(13);
      expect(calls).toEqual([
        { callId: 1, name: 'math.add', args: { a: 1, b: 2 } },
        { callId: 2, name: 'math.add', args: { a: 3, b: 10 } },
      ]);
    });

    it('serves several calls in flight and settles each with its own result', async () => {
      const { outcome, calls } = await runWorkflow(sandbox(), `
        export default async function (input, ctx) {
          return Promise.all([1, 2, 3, 4].map((n) => ctx.call('slow.echo', { n })));
        }`, {
        onCall: async (call) => {
          const { n } = call.args as { n: number };
          // Later calls answer first, so results must be matched by call id, not by order.
          await new Promise((resolve) => setTimeout(resolve, (5 - n) * 10));
          return n * 100;
        },
      });
      expect(outputOf(outcome)).toEqual([100, 200, 300, 400]);
      expect(calls.map((call) => call.callId)).toEqual([1, 2, 3, 4]);
    });

    it('turns a DaemonError from onCall into a guest Error with that code, message and details', async () => {
      const { outcome } = await runWorkflow(sandbox(), `
        export default async function (input, ctx) {
          try {
            await ctx.call('secret.read', { key: 'k' });
            return 'no error';
          } catch (error) {
            return { isError: error instanceof Error, code: error.code, message: error.message, details: error.details };
          }
        }`, { onCall: async () => { throw new DaemonError('POLICY_DENIED', 'Cannot call "secret.read": denied by policy', { details: { reasons: ['not allowed'] } }); } });
      expect(outputOf(outcome)).toEqual({ isError: true, code: 'POLICY_DENIED', message: 'Cannot call "secret.read": denied by policy', details: { reasons: ['not allowed'] } });
    });

    it('hides other host errors behind INTERNAL', async () => {
      const { outcome } = await runWorkflow(sandbox(), `
        export default async (input, ctx) => ctx.call('x', null).then(() => 'ok', (e) => [e.code, e.message]);`,
      { onCall: async () => { throw new Error('/etc/secret path leaked'); } });
      const [code, message] = outputOf(outcome) as [string, string];
      expect(code).toBe('INTERNAL');
      expect(message).not.toContain('/etc');
    });

    it('rejects calls beyond 64 in flight with LIMIT_CALLS inside the guest', async () => {
      const { outcome, calls } = await runWorkflow(sandbox(), `
        export default async (input, ctx) => {
          const settled = await Promise.allSettled(Array.from({ length: 70 }, (_, n) => ctx.call('echo', n)));
          return settled.map((entry) => entry.status === 'fulfilled' ? 'ok' : entry.reason.code);
        }`, { onCall: async (call) => { await new Promise((resolve) => setTimeout(resolve, 10)); return call.args; } });
      const results = outputOf(outcome) as string[];
      expect(results.filter((entry) => entry === 'ok')).toHaveLength(64);
      expect(results.slice(64)).toEqual(Array(6).fill('LIMIT_CALLS'));
      expect(calls).toHaveLength(64);
    });

    it('rejects arguments that are not JSON-serialisable inside the guest', async () => {
      const { outcome, calls } = await runWorkflow(sandbox(), `
        export default async (input, ctx) => {
          const cyclic = {}; cyclic.self = cyclic;
          return Promise.all([
            ctx.call('x', cyclic).then(() => 'sent', (e) => e.constructor.name),
            ctx.call('x', { f() {} }).then(() => 'sent', (e) => e.constructor.name),
            ctx.call('', {}).then(() => 'sent', (e) => e.constructor.name),
          ]);
        }`);
      expect(outputOf(outcome)).toEqual(['TypeError', 'TypeError', 'TypeError']);
      expect(calls).toEqual([]);
    });

    it('copies hostile values in the guest: getters run there and proxies never reach the host', async () => {
      const { outcome, calls } = await runWorkflow(sandbox(), `
        export default async (input, ctx) => {
          const proxy = new Proxy({}, { ownKeys: () => ['a'], getOwnPropertyDescriptor: () => ({ value: 1, enumerable: true, configurable: true }), get: () => 'from proxy' });
          const withGetter = { get secret() { return 'computed'; } };
          await ctx.call('x', { proxy, withGetter });
          return 'ok';
        }`, { onCall: async () => true });
      expect(outputOf(outcome)).toBe('ok');
      expect(calls[0]?.args).toEqual({ proxy: { a: 'from proxy' }, withGetter: { secret: 'computed' } });
    });
  });

  describe('guest isolation', () => {
    it('offers no require, process, WebAssembly, SharedArrayBuffer or resizable ArrayBuffer', async () => {
      const { outcome } = await runWorkflow(sandbox(), `
        export default async () => ({
          require: typeof require,
          process: typeof process,
          module: typeof module,
          webAssembly: typeof WebAssembly,
          sharedArrayBuffer: typeof SharedArrayBuffer,
          atomics: typeof Atomics,
          resize: typeof ArrayBuffer.prototype.resize,
          fetch: typeof fetch,
          globalKeys: Object.getOwnPropertyNames(globalThis).filter((k) => /ivm|isolated|aiws|sink|install|deliver/i.test(k)),
        });`);
      expect(outputOf(outcome)).toEqual({
        require: 'undefined', process: 'undefined', module: 'undefined', webAssembly: 'undefined',
        sharedArrayBuffer: 'undefined', atomics: 'undefined', resize: 'undefined', fetch: 'undefined', globalKeys: [],
      });
    });

    it('rejects dynamic import() inside the guest', async () => {
      const { outcome } = await runWorkflow(sandbox(), `
        export default async () => {
          const results = [];
          for (const name of ['node:fs', 'aiws:runtime', 'data:text/javascript,export default 1']) {
            results.push(await import(name).then(() => 'imported', () => 'rejected'));
          }
          results.push(await new Function('return import("node:child_process")')().then(() => 'imported', () => 'rejected'));
          return results;
        }`);
      expect(outputOf(outcome)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    });

    it('gives ctx only plain, frozen guest functions', async () => {
      const { outcome } = await runWorkflow(sandbox(), `
        export default async (input, ctx) => ({
          keys: Object.keys(ctx).sort(),
          frozen: [ctx, ctx.log, ctx.http, ctx.fs, ctx.kv, ctx.clock, ctx.random].every((o) => Object.isFrozen(o)),
          callIsFunction: typeof ctx.call === 'function',
          constructorIsGuest: [ctx.call, ctx.http.fetch, ctx.fs.read, ctx.kv.put, ctx.clock.now, ctx.random.bytes].every((f) => f.constructor === Function),
        });`);
      expect(outputOf(outcome)).toEqual({ keys: ['call', 'clock', 'fs', 'http', 'kv', 'log', 'random', 'runId'], frozen: true, callIsFunction: true, constructorIsGuest: true });
    });
  });
});
