import { describe, expect, it } from 'vitest';
import { createKvDelete, createKvGet, createKvList, createKvPut, KvStore } from '../../../../src/capabilities/index.ts';
import { createTestContext, tempDir } from '../support/test-context.ts';

describe('kv capabilities', () => {
  it('keeps workflows apart and lets versions of one workflow share data', async () => {
    await using store = new KvStore({ dataDir: await tempDir() });
    const [get, put, del, list] = [createKvGet(store), createKvPut(store), createKvDelete(store), createKvList(store)];
    const billingV1 = await createTestContext({ workflow: { name: 'billing', version: '1.0.0', adhoc: false } });
    const billingV2 = await createTestContext({ workflow: { name: 'billing', version: '2.0.0', adhoc: false } });
    const reports = await createTestContext({ workflow: { name: 'reports', version: '1.0.0', adhoc: false } });

    expect(await put.execute({ key: 'total', value: 42 }, billingV1)).toEqual({ created: true });
    expect(await get.execute({ key: 'total' }, billingV2)).toEqual({ found: true, value: 42 });
    expect(await get.execute({ key: 'total' }, reports)).toEqual({ found: false, value: null });
    expect(await list.execute({}, reports)).toEqual({ keys: [], next: null });
    expect(await del.execute({ key: 'total' }, reports)).toEqual({ deleted: false });
    expect(await list.execute({ prefix: 'to' }, billingV2)).toEqual({ keys: ['total'], next: null });
    expect(await del.execute({ key: 'total' }, billingV2)).toEqual({ deleted: true });
  });

  it('gives each principal its own ad-hoc namespace', async () => {
    await using store = new KvStore({ dataDir: await tempDir() });
    const [get, put] = [createKvGet(store), createKvPut(store)];
    const adhoc = { name: 'adhoc', version: null, adhoc: true } as const;
    const alice = await createTestContext({ workflow: adhoc, principalId: 'alice' });
    const bob = await createTestContext({ workflow: adhoc, principalId: 'bob' });
    const storeWorkflowNamedAdhoc = await createTestContext({ workflow: { name: 'adhoc', version: '1.0.0', adhoc: false }, principalId: 'alice' });
    await put.execute({ key: 'note', value: 'from alice' }, alice);
    expect((await get.execute({ key: 'note' }, alice)).value).toBe('from alice');
    expect((await get.execute({ key: 'note' }, bob)).found).toBe(false);
    expect((await get.execute({ key: 'note' }, storeWorkflowNamedAdhoc)).found).toBe(false);
  });
});
