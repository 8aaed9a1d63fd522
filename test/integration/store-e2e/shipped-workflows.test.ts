// The shipped bank-transfer and hr-onboarding workflows, verified with the development key, run end to
// end through the real daemon against a small fake bank / HR provisioning API on 127.0.0.1: real http
// requests with the secret substituted by the broker, idempotency, declared errors and partial failure.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedDaemon, TestClient, WireEvent } from '../../helpers/daemon.ts';
import { makeStoreRoot, principals, secretValues, startStoreDaemon, type StoreRoot } from './support.ts';

interface Account {
  id: string;
  currency: string;
  balanceCents: number;
  perTransferLimitCents: number;
  dailyLimitCents: number;
  transferredTodayCents: number;
}

interface Transfer {
  id: string;
  fromAccount: string;
  toAccount: string;
  amountCents: number;
  currency: string;
  status: 'completed';
}

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly idempotencyKey: string | undefined;
}

/** A fake bank (/v1/accounts, /v1/transfers) and HR provisioning API (/v1/systems/<s>/accounts). */
class FakeApis {
  readonly server: Server;
  readonly seen: Seen[] = [];
  readonly accounts = new Map<string, Account>();
  readonly transfers = new Map<string, Transfer>();
  readonly hrAccounts = new Map<string, string>();
  /** HR systems that answer 503. */
  readonly failingSystems = new Set<string>();

  constructor() {
    this.server = createServer((req, res) => void this.#handle(req, res));
    for (const [id, balanceCents] of [['ACC1001', 100_000], ['ACC2002', 5_000]] as const) {
      this.accounts.set(id, { id, currency: 'EUR', balanceCents, perTransferLimitCents: 50_000, dailyLimitCents: 80_000, transferredTodayCents: 0 });
    }
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length === 0 ? undefined : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const key = req.headers['idempotency-key'];
    this.seen.push({ method: req.method ?? '', path, authorization: req.headers.authorization, idempotencyKey: typeof key === 'string' ? key : undefined });
    const reply = (status: number, value: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    let match: RegExpExecArray | null;
    if (req.method === 'GET' && (match = /^\/v1\/accounts\/([A-Z0-9]+)$/.exec(path)) !== null) {
      const account = this.accounts.get(match[1]!);
      return account === undefined ? reply(404, { error: 'not_found' }) : reply(200, account);
    }
    if (req.method === 'GET' && (match = /^\/v1\/transfers\/([A-Za-z0-9_-]+)$/.exec(path)) !== null) {
      const transfer = this.transfers.get(match[1]!);
      return transfer === undefined ? reply(404, { error: 'not_found' }) : reply(200, transfer);
    }
    if (req.method === 'POST' && path === '/v1/transfers' && typeof key === 'string' && body !== undefined) {
      const from = this.accounts.get(String(body.fromAccount));
      const to = this.accounts.get(String(body.toAccount));
      const amount = Number(body.amountCents);
      if (from === undefined || to === undefined) return reply(404, { error: 'not_found' });
      if (from.balanceCents < amount) return reply(422, { error: 'insufficient_funds' });
      from.balanceCents -= amount;
      from.transferredTodayCents += amount;
      to.balanceCents += amount;
      const transfer: Transfer = { id: `tr_${this.transfers.size + 1}`, fromAccount: from.id, toAccount: to.id, amountCents: amount, currency: String(body.currency), status: 'completed' };
      this.transfers.set(key, transfer);
      return reply(201, transfer);
    }
    if (req.method === 'POST' && (match = /^\/v1\/systems\/([a-z]+)\/accounts$/.exec(path)) !== null && typeof key === 'string') {
      if (this.failingSystems.has(match[1]!)) return reply(503, { error: 'provisioning backend down' });
      const existing = this.hrAccounts.get(key);
      if (existing !== undefined) return reply(409, { accountId: existing });
      const accountId = `${match[1]}-${this.hrAccounts.size + 1}`;
      this.hrAccounts.set(key, accountId);
      return reply(201, { accountId });
    }
    reply(404, { error: 'no route' });
  }
}

describe('shipped workflows against a real local API', () => {
  let store: StoreRoot;
  let daemon: StartedDaemon;
  let agent: TestClient;
  const apis = new FakeApis();
  let api: string;

  beforeAll(async () => {
    api = await apis.listen();
    store = await makeStoreRoot();
    daemon = await startStoreDaemon(store);
    agent = await daemon.connect({ token: principals.agent.token });
  }, 60_000);

  afterAll(async () => {
    await daemon?.[Symbol.asyncDispose]();
    await store?.cleanup();
    await apis.close();
  });

  async function run(params: Record<string, unknown>): Promise<{ terminal: WireEvent; events: WireEvent[] }> {
    const { runId } = await agent.request<{ runId: string }>('runs.start', params);
    const terminal = await agent.settled(runId);
    return { terminal, events: agent.eventsOf(runId) };
  }

  const transfer = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    workflow: 'bank-transfer@^1',
    input: { fromAccount: 'ACC1001', toAccount: 'ACC2002', amountCents: 12_345, currency: 'EUR', idempotencyKey: 'pay-0000001', reference: 'invoice 7', apiBaseUrl: api, ...overrides },
  });

  describe('bank-transfer', () => {
    it('is verified as shipped and moves the money once, with the secret substituted only on the wire', async () => {
      const described = await agent.request<{ version: string; verified: boolean }>('workflows.describe', { workflow: 'bank-transfer@^1' });
      expect(described).toMatchObject({ version: '1.0.0', verified: true });
      const { terminal, events } = await run(transfer());
      expect(terminal.type).toBe('run.completed');
      expect(terminal.data.output).toEqual({ transferId: 'tr_1', status: 'completed', fromAccount: 'ACC1001', toAccount: 'ACC2002', amountCents: 12_345, currency: 'EUR', replayed: false });
      expect(apis.accounts.get('ACC1001')!.balanceCents).toBe(100_000 - 12_345);
      expect(apis.accounts.get('ACC2002')!.balanceCents).toBe(5_000 + 12_345);
      const posts = apis.seen.filter((s) => s.method === 'POST');
      expect(posts).toEqual([{ method: 'POST', path: '/v1/transfers', authorization: secretValues['bank-api'], idempotencyKey: 'pay-0000001' }]);
      expect(apis.seen.every((s) => s.authorization === secretValues['bank-api'])).toBe(true);
      expect(JSON.stringify(events)).not.toContain(secretValues['bank-api']);
      expect(events.filter((e) => e.type === 'policy.decision').every((e) => e.data.allow === true)).toBe(true);
      expect(events.find((e) => e.type === 'run.accepted')!.data.workflow).toMatchObject({ name: 'bank-transfer', version: '1.0.0', verified: true });
    });

    it('returns the original transfer for a replayed idempotency key without a second POST', async () => {
      const postsBefore = apis.seen.filter((s) => s.method === 'POST').length;
      const { terminal } = await run(transfer());
      expect(terminal.data.output).toMatchObject({ transferId: 'tr_1', replayed: true });
      expect(apis.seen.filter((s) => s.method === 'POST')).toHaveLength(postsBefore);
      expect(apis.accounts.get('ACC1001')!.balanceCents).toBe(100_000 - 12_345);
    });

    it('fails with declared codes: a reused key with other details, missing funds, an unknown account', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ amountCents: 1 }, 'IDEMPOTENCY_CONFLICT'],
        [{ fromAccount: 'ACC2002', toAccount: 'ACC1001', amountCents: 40_000, idempotencyKey: 'pay-0000002' }, 'INSUFFICIENT_FUNDS'],
        [{ toAccount: 'ACC9999', idempotencyKey: 'pay-0000003' }, 'ACCOUNT_NOT_FOUND'],
        [{ amountCents: 60_000, idempotencyKey: 'pay-0000004' }, 'LIMIT_EXCEEDED'],
      ];
      for (const [overrides, workflowCode] of cases) {
        const { terminal } = await run(transfer(overrides));
        expect(terminal.type, workflowCode).toBe('run.failed');
        expect(terminal.data.error, workflowCode).toMatchObject({ code: 'WORKFLOW_ERROR', details: { workflowCode } });
      }
      expect(apis.transfers.size).toBe(1);
    });

    it('maps an API origin off the egress allow-list to BANK_NOT_ALLOWED, with the denial in the events', async () => {
      const { terminal, events } = await run(transfer({ apiBaseUrl: 'http://localhost:1', idempotencyKey: 'pay-0000005' }));
      expect(terminal.data.error).toMatchObject({ code: 'WORKFLOW_ERROR', details: { workflowCode: 'BANK_NOT_ALLOWED' } });
      const denial = events.find((e) => e.type === 'policy.decision' && e.data.allow === false);
      expect(JSON.stringify(denial?.data.reasons)).toContain('localhost');
    });
  });

  describe('hr-onboarding', () => {
    const employee = { id: 'E1001', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' };

    it('creates the directory account first and then the requested systems, idempotently', async () => {
      const first = await run({ workflow: 'hr-onboarding@1', input: { employee, systems: ['badge', 'email'], apiBaseUrl: api } });
      expect(first.terminal.type).toBe('run.completed');
      expect(first.terminal.data.output).toEqual({
        employeeId: 'E1001',
        complete: true,
        accounts: [
          { system: 'directory', status: 'created', accountId: 'directory-1' },
          { system: 'email', status: 'created', accountId: 'email-2' },
          { system: 'badge', status: 'created', accountId: 'badge-3' },
        ],
      });
      const hrCalls = apis.seen.filter((s) => s.path.startsWith('/v1/systems/'));
      expect(hrCalls.map((s) => s.idempotencyKey)).toEqual(['E1001-directory', 'E1001-email', 'E1001-badge']);
      expect(hrCalls.every((s) => s.authorization === secretValues['hr-api'])).toBe(true);
      const again = await run({ workflow: 'hr-onboarding@1', input: { employee, systems: ['email'], apiBaseUrl: api } });
      expect(again.terminal.data.output).toMatchObject({ complete: true, accounts: [{ system: 'directory', status: 'existing' }, { system: 'email', status: 'existing', accountId: 'email-2' }] });
      expect(apis.hrAccounts.size).toBe(3);
    });

    it('reports a failing system per account, and fails with a declared code when the directory is down', async () => {
      apis.failingSystems.add('payroll');
      const partial = await run({ workflow: 'hr-onboarding@1', input: { employee: { ...employee, id: 'E1002' }, systems: ['payroll', 'email'], apiBaseUrl: api } });
      expect(partial.terminal.data.output).toMatchObject({
        complete: false,
        accounts: [{ system: 'directory', status: 'created' }, { system: 'email', status: 'created' }, { system: 'payroll', status: 'failed', reason: expect.stringContaining('503') }],
      });
      expect(partial.events.some((e) => e.type === 'log' && e.data.level === 'warn')).toBe(true);
      apis.failingSystems.add('directory');
      const down = await run({ workflow: 'hr-onboarding@1', input: { employee: { ...employee, id: 'E1003' }, systems: ['email'], apiBaseUrl: api } });
      expect(down.terminal.data.error).toMatchObject({ code: 'WORKFLOW_ERROR', details: { workflowCode: 'DIRECTORY_ACCOUNT_FAILED' } });
      expect(apis.seen.some((s) => s.idempotencyKey === 'E1003-email')).toBe(false);
    });
  });
});
