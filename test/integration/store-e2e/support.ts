// Shared set-up of the store end-to-end tests: a temp copy of the shipped workflows and policies (the
// egress allow-list opened to plain http on 127.0.0.1 for the fake APIs), tokens for principals with
// and without `runs:unverified`, signing with the development key, and a real daemon over all of it.
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { computeContentDigest, loadSigningKey, signAttestation, writeAttestation } from '../../../src/store/index.ts';
import { startDaemon, type StartedDaemon } from '../../helpers/daemon.ts';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');

/** The committed development key pair (keys/dev/README.md). */
export const devPublicKey = join(root, 'keys', 'dev', 'aiws-signing.pub.pem');
export const devPrivateKey = join(root, 'keys', 'dev', 'aiws-signing.key.pem');

/** Secret values the daemon substitutes into the shipped workflows' `{"$secret": ...}` headers. */
export const secretValues = { 'bank-api': `Bearer bank-${randomBytes(8).toString('hex')}`, 'hr-api': `Bearer hr-${randomBytes(8).toString('hex')}` } as const;

/** A principal's bearer token and scopes. */
export interface TestPrincipal {
  readonly id: string;
  readonly token: string;
  readonly scopes: readonly string[];
}

function principal(id: string, scopes: readonly string[]): TestPrincipal {
  return { id, token: randomBytes(24).toString('base64url'), scopes };
}

/** `agent` may run verified workflows only; `operator` also unverified ones; `runner` cannot read the store. */
export const principals = {
  agent: principal('agent', ['runs:start', 'runs:read', 'workflows:read']),
  operator: principal('operator', ['runs:start', 'runs:read', 'workflows:read', 'runs:unverified']),
  runner: principal('runner', ['runs:start', 'runs:read']),
} as const;

/** A temp directory holding `workflows/` (a copy of the shipped ones) and `policies/`. */
export interface StoreRoot {
  readonly dir: string;
  readonly workflowsDir: string;
  readonly policiesDir: string;
  cleanup(): Promise<void>;
}

/** Copies the shipped workflows and policies; the egress allow-list admits http://127.0.0.1. */
export async function makeStoreRoot(): Promise<StoreRoot> {
  const dir = await mkdtemp(join(tmpdir(), 'aiws-store-e2e-'));
  const workflowsDir = join(dir, 'workflows');
  const policiesDir = join(dir, 'policies');
  await cp(join(root, 'workflows'), workflowsDir, { recursive: true });
  await cp(join(root, 'policies'), policiesDir, { recursive: true });
  await writeFile(join(policiesDir, 'aiws', 'settings', 'egress.yaml'), stringify({ egress: { schemes: ['http', 'https'], hosts: ['127.0.0.1'] } }));
  return { dir, workflowsDir, policiesDir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Signs the version in `dir` (as it is now) with the development key, as `aiws workflow verify --key` would. */
export async function signWithDevKey(dir: string, name: string, version: string): Promise<void> {
  const key = await loadSigningKey(devPrivateKey);
  const digest = await computeContentDigest(dir);
  const attestation = signAttestation({ name, version, digest, policyRevision: 'sha256:test', tests: { passed: 1, total: 1 }, time: new Date().toISOString() }, key);
  await writeAttestation(dir, attestation);
}

/** Starts the real daemon (via the CLI) over `store`, trusting the development key. */
export async function startStoreDaemon(store: StoreRoot): Promise<StartedDaemon> {
  return startDaemon({
    config: {
      policies: { dir: store.policiesDir, watch: false },
      store: { dir: store.workflowsDir, trustedKeys: [devPublicKey], watch: true },
      auth: { tokens: Object.values(principals).map((p) => ({ sha256: createHash('sha256').update(p.token).digest('hex'), principal: p.id, scopes: p.scopes })) },
      capabilities: { http: { allowPrivateNetworks: true } },
      secrets: { ...secretValues },
    },
  });
}
