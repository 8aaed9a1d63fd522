/**
 * The shipped policies (policies/) evaluated through the real PolicyEngine: compiled by aiws's
 * compiler, evaluated by the opa-wasm SDK, with the YAML data beside them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyEngine, policyEntrypoints } from '../../../src/policy/index.ts';
import { admissionInput, adhocWorkflow, callInput, storeWorkflow } from './support/inputs.ts';
import { shippedPoliciesDir } from './support/policy-dir.ts';

let engine: PolicyEngine;
beforeAll(async () => {
  engine = await PolicyEngine.create({ dir: shippedPoliciesDir, watch: false });
});
afterAll(() => engine.close());

const decideCall = (input: ReturnType<typeof callInput>) => engine.decide(policyEntrypoints.capability, input);

describe('default policies', () => {
  it('loads both entrypoints from the shipped directory', () => {
    expect(engine.status()).toMatchObject({ source: 'rego', entrypoints: ['aiws/admission/decision', 'aiws/capability/decision'] });
    expect(engine.status().revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(engine.status().lastError).toBeUndefined();
  });

  describe('declared capabilities', () => {
    it('allows a declared capability', async () => {
      const d = await decideCall(callInput('kv.get', { key: 'k' }));
      expect(d).toMatchObject({ allow: true, reasons: [], policyRevision: engine.status().revision });
      expect(d.decisionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(d.durationUs).toBeGreaterThanOrEqual(0);
    });

    it('denies an undeclared capability with a reason naming it', async () => {
      expect(await decideCall(callInput('kv.delete', { key: 'k' }))).toMatchObject({
        allow: false,
        reasons: ['capability "kv.delete" is not declared by workflow "billing-report"'],
      });
    });
  });

  describe('egress', () => {
    it('allows https to an allow-listed host and to a wildcard subdomain', async () => {
      expect((await decideCall(callInput('http.fetch', { url: 'https://api.github.com/repos' }))).allow).toBe(true);
      expect((await decideCall(callInput('http.fetch', { url: 'https://docs.example.com/a' }))).allow).toBe(true);
    });

    it('denies plain http and hosts off the list', async () => {
      expect((await decideCall(callInput('http.fetch', { url: 'http://api.github.com/' }))).reasons).toEqual(['egress over "http" is not allowed: allowed schemes are ["https"]']);
      expect((await decideCall(callInput('http.fetch', { url: 'https://127.0.0.1/' }))).reasons).toEqual(['egress to host "127.0.0.1" is not allowed: it is not on the egress allow-list']);
      expect((await decideCall(callInput('http.fetch', { url: 'https://api.github.com.evil.test/' }))).allow).toBe(false);
    });
  });

  describe('secrets', () => {
    it('allows a secret granted to the workflow and denies any other', async () => {
      const granted = callInput('http.fetch', { url: 'https://api.github.com/', headers: { authorization: { $secret: 'billing-api' } } });
      expect((await decideCall(granted)).allow).toBe(true);
      const other = callInput('http.fetch', { url: 'https://api.github.com/', headers: { authorization: { $secret: 'deploy-key' } } });
      expect((await decideCall(other)).reasons).toEqual(['workflow "billing-report" may not use secret "deploy-key": it is not granted in the secrets settings']);
    });
  });

  describe('ad-hoc code', () => {
    it('allows GET for a principal with runs:adhoc', async () => {
      expect((await decideCall(callInput('http.fetch', { url: 'https://api.github.com/' }, { workflow: adhocWorkflow, scopes: ['runs:adhoc'] }))).allow).toBe(true);
    });

    it('denies without the scope, other methods, and any secret', async () => {
      expect((await decideCall(callInput('kv.get', { key: 'k' }, { workflow: adhocWorkflow }))).reasons).toEqual(['ad-hoc code needs the "runs:adhoc" scope']);
      const post = callInput('http.fetch', { url: 'https://api.github.com/', method: 'POST', body: 'x' }, { workflow: adhocWorkflow, scopes: ['runs:adhoc'] });
      expect((await decideCall(post)).reasons).toEqual(['ad-hoc code may only send GET requests, not "POST"']);
      const secret = callInput('http.fetch', { url: 'https://api.github.com/', headers: { a: { $secret: 'billing-api' } } }, { workflow: adhocWorkflow, scopes: ['runs:adhoc'] });
      expect((await decideCall(secret)).reasons).toEqual(['ad-hoc code may not use secrets: it references ["billing-api"]']);
    });
  });

  describe('budgets', () => {
    it('allows the last call of a budget and denies the next', async () => {
      expect((await decideCall(callInput('http.fetch', { url: 'https://api.github.com/' }, { callCounts: { 'http.fetch': 49 } }))).allow).toBe(true);
      expect((await decideCall(callInput('http.fetch', { url: 'https://api.github.com/' }, { callCounts: { 'http.fetch': 50 } }))).reasons).toEqual([
        'call budget exhausted: this run already made 50 of its 50 "http.fetch" calls',
      ]);
    });
  });

  describe('admission', () => {
    it('admits a verified store workflow', async () => {
      expect(await engine.decide(policyEntrypoints.admission, admissionInput(storeWorkflow, ['runs:start']))).toMatchObject({ allow: true, reasons: [] });
    });

    it('needs runs:adhoc for ad-hoc code and runs:unverified for an unverified workflow', async () => {
      expect((await engine.decide(policyEntrypoints.admission, admissionInput(adhocWorkflow, ['runs:start']))).reasons).toEqual(['ad-hoc code needs the "runs:adhoc" scope']);
      expect((await engine.decide(policyEntrypoints.admission, admissionInput(adhocWorkflow, ['runs:adhoc']))).allow).toBe(true);
      const unverified = { ...storeWorkflow, verified: false };
      expect((await engine.decide(policyEntrypoints.admission, admissionInput(unverified, ['runs:start']))).reasons).toEqual([
        'workflow "billing-report" version "1.2.0" is not verified: running it needs the "runs:unverified" scope',
      ]);
      expect((await engine.decide(policyEntrypoints.admission, admissionInput(unverified, ['runs:unverified']))).allow).toBe(true);
    });
  });
});
