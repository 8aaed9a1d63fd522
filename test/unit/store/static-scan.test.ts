import { describe, expect, it } from 'vitest';
import { scanWorkflowCode } from '../../../src/store/index.ts';

describe('scanWorkflowCode', () => {
  it('finds literal ctx.call names and wrapper calls, but not ctx.log', () => {
    const result = scanWorkflowCode(`
      await ctx.call('http.fetch', {});
      await ctx.call( "kv.get" , { key });
      await ctx.fs.read('a');
      ctx.log.info('x');
      await ctx.call(name, {});
    `);
    expect(result.capabilities).toEqual(['fs.read', 'http.fetch', 'kv.get']);
  });

  it('flags non-deterministic APIs with their lines', () => {
    const result = scanWorkflowCode('const a = 1;\nconst r = Math.random();\nconst t = Date.now();\nconst d = new Date();\nconst ok = new Date(input.when);\n');
    expect(result.nondeterminism).toEqual([
      { api: 'Math.random', line: 2 },
      { api: 'Date.now', line: 3 },
      { api: 'new Date()', line: 4 },
    ]);
  });
});
