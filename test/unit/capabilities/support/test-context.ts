/**
 * Test support: a real CapabilityContext for calling capabilities directly, with a temp workspace,
 * a recording authorizeFollowUp and an optional log capture.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { onTestFinished } from 'vitest';
import type { CapabilityContext, CapabilityWorkflow } from '../../../../src/capabilities/index.ts';
import { createSilentLogger, type Logger } from '../../../../src/log/index.ts';

export interface TestContextOptions {
  readonly workflow?: CapabilityWorkflow;
  readonly principalId?: string;
  readonly workspaceDir?: string;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** Decides follow-ups; resolves (allow) by default. */
  readonly authorizeFollowUp?: (name: string, args: unknown) => Promise<void>;
}

export interface TestContext extends CapabilityContext {
  /** Every follow-up the capability asked about, in order. */
  readonly followUps: { readonly name: string; readonly args: unknown }[];
}

/** A temp directory removed when the test finishes. */
export async function tempDir(prefix = 'aiws-cap-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function createTestContext(options: TestContextOptions = {}): Promise<TestContext> {
  const followUps: { name: string; args: unknown }[] = [];
  const decide = options.authorizeFollowUp ?? (async () => {});
  return {
    runId: 'run-test',
    callId: 1,
    principal: { id: options.principalId ?? 'alice' },
    workflow: options.workflow ?? { name: 'demo', version: '1.0.0', adhoc: false },
    workspaceDir: options.workspaceDir ?? (await tempDir('aiws-ws-')),
    signal: options.signal ?? new AbortController().signal,
    logger: options.logger ?? createSilentLogger(),
    followUps,
    async authorizeFollowUp(name, args) {
      followUps.push({ name, args });
      await decide(name, args);
    },
  };
}

/** A debug-level pino logger whose JSON lines land in `lines`. */
export function captureLogger(): { readonly logger: Logger; readonly lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}
