/**
 * The policy input the broker builds matches the documented JSON Schema (docs/policy-input.schema.json):
 * a policy that returns its whole input as an obligation lets the test see exactly what Rego saw.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { buildAdmissionInput } from '../../../src/policy/index.ts';
import { createBrokerFixture, recordHooks, reportWorkflow } from '../capabilities/broker-support.ts';

const schema = JSON.parse(readFileSync(new URL('../../../docs/policy-input.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
const echo = 'package aiws.capability\n\ndecision := {"allow": true, "reasons": [], "input": input}\n';

describe('policy input', () => {
  it('is what the documented schema describes, for capability calls', async () => {
    const f = await createBrokerFixture({ shipped: false, policyFiles: { 'aiws/capability.rego': echo } });
    const { hooks, events } = recordHooks();
    const run = f.run(reportWorkflow, { scopes: ['runs:start', 'runs:adhoc'] });
    await f.broker.invoke({ callId: 1, name: 'fs.write', args: { path: 'a.txt', content: 'x' } }, run, hooks);
    await f.broker.invoke({ callId: 2, name: 'kv.put', args: { key: 'k', value: { $secret: 'not-substituted-here' } } }, run, hooks);
    const inputs = events.filter((e) => e.type === 'policy.decision').map((e) => (e.data.obligations as { input: unknown }).input);
    for (const input of inputs) expect(validate(input), JSON.stringify(validate.errors)).toBe(true);
    expect(inputs[1]).toMatchObject({
      principal: { id: 'alice', scopes: ['runs:start', 'runs:adhoc'] },
      workflow: reportWorkflow,
      run: { id: run.id, callIndex: 1, callCounts: { 'fs.write': 1 } },
      capability: { name: 'kv.put', args: { key: 'k', value: { $secret: 'not-substituted-here' } } },
    });
    const nowNs = (inputs[1] as { time: { nowNs: number } }).time.nowNs;
    expect(Math.abs(nowNs / 1e6 - Date.now())).toBeLessThan(60_000);
  });

  it('is what the documented schema describes, for admission (no capability)', () => {
    const input = buildAdmissionInput({ id: 'bob', scopes: ['runs:start'] }, reportWorkflow, 'run-9');
    expect(validate(input), JSON.stringify(validate.errors)).toBe(true);
    expect(input).not.toHaveProperty('capability');
    expect(validate({ ...input, extra: 1 })).toBe(false);
  });
});
