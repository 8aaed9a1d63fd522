/**
 * `aiws workflow list|describe|verify|new`: the workflow store on the command line, offline over a
 * workflows directory (the daemon's `workflows.*` methods serve the same index over the protocol).
 *
 * `verify` composes the real pieces: a sandbox (isolates in a worker process), the policy engine over
 * `policies/`, and the capability registry for argument schemas; see src/store/workflow-verifier.ts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createBuiltinCapabilities, createCapabilityRegistry, KvStore } from '../../capabilities/index.ts';
import { isDaemonError } from '../../errors/index.ts';
import { PolicyEngine, policyEntrypoints } from '../../policy/index.ts';
import { createSandbox, type Sandbox } from '../../sandbox/index.ts';
import {
  attestationFileName,
  loadSigningKey,
  loadTrustedKeys,
  scaffoldWorkflow,
  verifyWorkflow,
  WorkflowStore,
  writeAttestation,
  type CapabilityArgsValidator,
  type CapabilityDecider,
  type TrustedKey,
  type VerifyReport,
} from '../../store/index.ts';
import { parseCommandArgs } from '../parse-command-args.ts';
import { UsageError } from '../usage-error.ts';

/** The development key pair shipped in keys/dev/ (never for production; see keys/dev/README.md). */
export const devKeyPaths = { privateKey: 'keys/dev/aiws-signing.key.pem', publicKey: 'keys/dev/aiws-signing.pub.pem' } as const;

export const help = `Usage: aiws workflow <list|describe|verify|new> [options]

  aiws workflow list [--query TEXT] [--tag TAG]... [--verified | --unverified] [--json]
      The workflows under --dir with their highest version, risk tier and verification.
  aiws workflow describe <name@range> [--json]
      The manifest (schemas included) of the highest version matching the semver range, and the
      verification status of every version.
  aiws workflow verify <dir> [--key FILE] [--policies DIR] [--check] [--out FILE] [--json]
      Validates the manifest and tests, runs every test twice in the sandbox through the policy,
      checks capability use and determinism, and (with --key) writes a signed attestation.json.
      --check instead requires the existing attestation to verify for the current files (CI).
  aiws workflow new <name> [--version X.Y.Z] [--author NAME]
      Scaffolds <dir>/<name>/<version>/ with a manifest, main.js and tests that pass verify.

Options:
  --dir <dir>           the workflows directory (default: workflows)
  --trusted-key <file>  a public key whose attestations count; repeatable
                        (default: ${devKeyPaths.publicKey}, the development key, when present)
  --key <file>          (verify) Ed25519 private key that signs the attestation
  --policies <dir>      (verify) the policies directory (default: policies)
  --check               (verify) do not sign; require a valid attestation for the current files
  --out <file>          (verify) write the attestation here instead of <dir>/attestation.json
  --json                print JSON instead of text
  -h, --help            show this help

Exit status: 0 ok, 1 verification failed or the workflow was not found, 2 usage error.`;

export default async function workflow(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'list': return list(rest);
    case 'describe': return describe(rest);
    case 'verify': return verify(rest);
    case 'new': return scaffold(rest);
    case undefined: throw new UsageError('missing subcommand: expected "list", "describe", "verify" or "new"');
    default: throw new UsageError(`unknown subcommand "${sub}": expected "list", "describe", "verify" or "new"`);
  }
}

const common = {
  dir: { type: 'string' },
  'trusted-key': { type: 'string', multiple: true },
  json: { type: 'boolean' },
} as const;

async function trustedKeys(paths: readonly string[] | undefined): Promise<TrustedKey[]> {
  if (paths !== undefined) return wrapConfig(() => loadTrustedKeys(paths));
  return existsSync(devKeyPaths.publicKey) ? loadTrustedKeys([devKeyPaths.publicKey]) : [];
}

async function wrapConfig<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isDaemonError(error) && error.code === 'CONFIG_INVALID') throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

async function openStore(values: { dir?: string; 'trusted-key'?: string[] }): Promise<WorkflowStore> {
  return WorkflowStore.open({ dir: values.dir ?? 'workflows', trustedKeys: await trustedKeys(values['trusted-key']), watch: false });
}

async function list(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    options: { ...common, query: { type: 'string' }, tag: { type: 'string', multiple: true }, verified: { type: 'boolean' }, unverified: { type: 'boolean' } },
    allowPositionals: false,
  });
  if (values.verified === true && values.unverified === true) throw new UsageError('--verified and --unverified exclude each other');
  await using store = await openStore(values);
  const found = store.list({
    ...(values.query === undefined ? {} : { query: values.query }),
    ...(values.tag === undefined ? {} : { tags: values.tag }),
    ...(values.verified === true ? { verified: true } : values.unverified === true ? { verified: false } : {}),
  });
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify({ workflows: found, problems: store.problems() }, null, 2)}\n`);
    return 0;
  }
  if (found.length === 0) process.stdout.write('no workflows match\n');
  const width = Math.max(0, ...found.map((w) => `${w.name}@${w.version}`.length));
  for (const w of found) {
    process.stdout.write(`${`${w.name}@${w.version}`.padEnd(width)}  ${w.verified ? 'verified  ' : 'UNVERIFIED'}  ${w.riskTier.padEnd(8)}  ${w.description}${w.tags.length > 0 ? `  [${w.tags.join(', ')}]` : ''}\n`);
  }
  for (const problem of store.problems()) process.stderr.write(`warning: ${problem.message}\n`);
  return 0;
}

async function describe(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { options: common, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError('expected exactly one <name@range>');
  await using store = await openStore(values);
  let description;
  try {
    description = store.describe(positionals[0]!);
  } catch (error) {
    if (isDaemonError(error) && error.code === 'WORKFLOW_NOT_FOUND') {
      process.stderr.write(`aiws workflow: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify(description, null, 2)}\n`);
    return 0;
  }
  const { manifest } = description;
  const lines = [
    `${manifest.name}@${manifest.version}  ${description.verified ? 'verified' : `UNVERIFIED: ${description.unverifiedReason ?? ''}`}`,
    `  ${manifest.description}`,
    `  risk tier   ${manifest.riskTier}`,
    `  author      ${manifest.author}`,
    `  tags        ${manifest.tags.join(', ') || '(none)'}`,
    `  digest      ${description.digest}`,
    `  limits      memory ${manifest.limits.memoryMb} MB, cpu ${manifest.limits.cpuMs} ms, wall ${manifest.limits.wallMs} ms`,
    '  capabilities',
    ...(manifest.capabilities.length === 0 ? ['    (none)'] : manifest.capabilities.map((c) => `    ${c.name}: ${c.purpose}`)),
    '  errors',
    ...(manifest.errors.length === 0 ? ['    (none)'] : manifest.errors.map((e) => `    ${e.code}: ${e.description}`)),
    `  input schema   ${JSON.stringify(manifest.input)}`,
    `  output schema  ${JSON.stringify(manifest.output)}`,
    '  versions',
    ...description.versions.map((v) => `    ${v.version}  ${v.verified ? 'verified' : `unverified (${v.unverifiedReason ?? ''})`}  ${v.digest}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** The real pieces `verify` runs against; close it when done. */
export interface VerifyEnvironment extends AsyncDisposable {
  readonly sandbox: Sandbox;
  readonly policy: CapabilityDecider;
  readonly capabilities: CapabilityArgsValidator;
  close(): Promise<void>;
}

/**
 * Starts a sandbox, loads the policies in `policiesDir` (no watching) and builds the capability
 * registry. Fails when the policies do not load: verifying against no policy would prove nothing.
 * @throws POLICY_COMPILE_FAILED when no policy revision loads
 */
export async function createVerifyEnvironment(policiesDir: string): Promise<VerifyEnvironment> {
  const engine = await PolicyEngine.create({ dir: policiesDir, watch: false });
  const status = engine.status();
  if (status.revision === null) {
    await engine.close();
    const detail = status.lastError?.diagnostics.map((d) => JSON.stringify(d)).join('; ') ?? 'no policy found';
    throw new UsageError(`cannot load the policies in "${policiesDir}": ${detail}`);
  }
  const kvDir = await mkdtemp(join(tmpdir(), 'aiws-verify-kv-'));
  const kv = new KvStore({ dataDir: kvDir });
  let sandbox: Sandbox;
  try {
    sandbox = await createSandbox({ workers: 1, warmIsolates: 1 });
  } catch (error) {
    kv.close();
    await engine.close();
    await rm(kvDir, { recursive: true, force: true });
    throw error;
  }
  const registry = createCapabilityRegistry(createBuiltinCapabilities({ kv }));
  const revision = status.revision;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await sandbox.close();
    kv.close();
    await engine.close();
    await rm(kvDir, { recursive: true, force: true });
  };
  return {
    sandbox,
    policy: { revision, decide: async (input) => engine.decide(policyEntrypoints.capability, input) },
    capabilities: registry,
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function verify(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    options: { ...common, key: { type: 'string' }, policies: { type: 'string' }, check: { type: 'boolean' }, out: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length === 0) throw new UsageError('missing <dir> to verify');
  if (values.check === true && (values.key !== undefined || values.out !== undefined)) throw new UsageError('--check signs nothing: it excludes --key and --out');
  const signingKey = values.key === undefined ? undefined : await wrapConfig(() => loadSigningKey(values.key!));
  const checkAgainst = values.check === true ? await trustedKeys(values['trusted-key']) : undefined;
  if (values.out !== undefined && positionals.length > 1) throw new UsageError('--out takes one <dir>');
  await using env = await createVerifyEnvironment(values.policies ?? 'policies');
  let failed = 0;
  const reports: VerifyReport[] = [];
  for (const dir of positionals) {
    const report = await verifyWorkflow(resolve(dir), {
      sandbox: env.sandbox,
      policy: env.policy,
      capabilities: env.capabilities,
      ...(signingKey === undefined ? {} : { signingKey }),
      ...(checkAgainst === undefined ? {} : { checkAgainst }),
    });
    reports.push(report);
    let written: string | undefined;
    if (report.ok && report.attestation !== undefined) {
      if (values.out === undefined) written = await writeAttestation(resolve(dir), report.attestation);
      else {
        await writeFile(values.out, `${JSON.stringify(report.attestation, null, 2)}\n`);
        written = values.out;
      }
    }
    if (!report.ok) failed++;
    if (values.json !== true) process.stdout.write(formatReport(dir, report, { written, check: values.check === true, signed: signingKey !== undefined }));
  }
  if (values.json === true) process.stdout.write(`${JSON.stringify(positionals.length === 1 ? reports[0] : reports, null, 2)}\n`);
  return failed > 0 ? 1 : 0;
}

function formatReport(dir: string, report: VerifyReport, how: { written: string | undefined; check: boolean; signed: boolean }): string {
  const lines: string[] = [];
  lines.push(`${report.name === undefined ? dir : `${report.name}@${report.version}`}  (${dir})`);
  for (const p of report.manifestProblems) lines.push(`  ✗ ${p.file}${p.pointer === '' ? '' : ` ${p.pointer}`}: ${p.message}`);
  const kindWidth = 'adversarial'.length + 1;
  for (const c of report.cases) {
    lines.push(`  ${c.ok ? '✓' : '✗'} ${c.kind.padEnd(kindWidth)} ${c.name}`);
    for (const problem of c.problems) lines.push(`      ${problem}`);
  }
  for (const problem of report.problems) lines.push(`  ✗ ${problem}`);
  const passed = report.cases.filter((c) => c.ok).length;
  lines.push(`  ${passed}/${report.cases.length} tests passed; policy revision ${report.policyRevision}${report.digest === undefined ? '' : `; digest ${report.digest}`}`);
  if (!report.ok) lines.push('  FAILED: no attestation written');
  else if (how.check) lines.push(`  ok: ${attestationFileName} verifies for the current files`);
  else if (how.written !== undefined) lines.push(`  ok: attestation signed by ${report.attestation?.verifier ?? '?'} written to ${how.written}`);
  else if (!how.signed) lines.push('  ok: not signed (no --key given)');
  return `${lines.join('\n')}\n`;
}

async function scaffold(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    options: { dir: { type: 'string' }, version: { type: 'string' }, author: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('expected exactly one <name>');
  try {
    const target = await scaffoldWorkflow({
      dir: values.dir ?? 'workflows',
      name: positionals[0]!,
      ...(values.version === undefined ? {} : { version: values.version }),
      ...(values.author === undefined ? {} : { author: values.author }),
    });
    process.stdout.write(`created ${target}\nnext: edit it, then run "aiws workflow verify ${target} --key <private key>"\n`);
    return 0;
  } catch (error) {
    if (isDaemonError(error) && error.code === 'STORE_MANIFEST_INVALID') throw new UsageError(error.message, { cause: error });
    throw error;
  }
}
