// bank-transfer: moves amountCents from one account to another through the bank API.
//
// Order matters for safety: input checks, then the idempotency lookup (a replay must return the
// original transfer even though balances have moved since), then both accounts, then balance and
// limit checks, and only then the one call that moves money. Every failure is a declared error,
// thrown as an Error carrying that `code` (fail below); nothing is retried here, because a retry of
// the POST must carry the same idempotency key and that is the caller's decision
// (TRANSFER_STATUS_UNKNOWN says so).

const DEFAULT_API = 'https://bank.example.com';
const AUTH = { $secret: 'bank-api' };

function fail(code, message) {
  throw Object.assign(new Error(message), { code });
}

async function request(ctx, url, init, phase) {
  try {
    return await ctx.call('http.fetch', { url, ...init, responseType: 'json', timeoutMs: 10000 });
  } catch (error) {
    // Refused before anything was sent: retrying cannot help, the operator's policy must change.
    if (error.code === 'POLICY_DENIED') fail('BANK_NOT_ALLOWED', `the policy does not allow calling the bank API at "${api(url)}"`);
    if (phase === 'create') fail('TRANSFER_STATUS_UNKNOWN', `creating the transfer failed (${error.code ?? 'error'}); retry with the same idempotency key`);
    fail('BANK_UNAVAILABLE', `the bank API could not be reached (${error.code ?? 'error'})`);
  }
}

function api(url) {
  return url.replace(/^(https?:\/\/[^/]+).*$/, '$1');
}

function isAccount(body) {
  return body !== null && typeof body === 'object' && typeof body.id === 'string' && typeof body.currency === 'string' &&
    Number.isSafeInteger(body.balanceCents) && Number.isSafeInteger(body.perTransferLimitCents) &&
    Number.isSafeInteger(body.dailyLimitCents) && Number.isSafeInteger(body.transferredTodayCents);
}

function isTransfer(body) {
  return body !== null && typeof body === 'object' && typeof body.id === 'string' && body.id !== '' &&
    typeof body.fromAccount === 'string' && typeof body.toAccount === 'string' &&
    Number.isSafeInteger(body.amountCents) && typeof body.currency === 'string' && body.status === 'completed';
}

async function getAccount(ctx, api, id) {
  const response = await request(ctx, `${api}/v1/accounts/${id}`, { method: 'GET', headers: { authorization: AUTH } }, 'read');
  if (response.status === 404) fail('ACCOUNT_NOT_FOUND', `account "${id}" does not exist`);
  if (response.status >= 500) fail('BANK_UNAVAILABLE', `the bank API answered ${response.status} reading account "${id}"`);
  if (response.status !== 200 || !isAccount(response.body)) fail('BANK_RESPONSE_INVALID', `unexpected answer reading account "${id}" (status ${response.status})`);
  return response.body;
}

function result(transfer, replayed) {
  return {
    transferId: transfer.id,
    status: 'completed',
    fromAccount: transfer.fromAccount,
    toAccount: transfer.toAccount,
    amountCents: transfer.amountCents,
    currency: transfer.currency,
    replayed,
  };
}

export default async function (input, ctx) {
  const { fromAccount, toAccount, amountCents, currency, idempotencyKey } = input;
  const api = input.apiBaseUrl ?? DEFAULT_API;
  if (!Number.isSafeInteger(amountCents) || amountCents <= 0) fail('AMOUNT_INVALID', `the amount must be a positive whole number of cents, got ${amountCents}`);
  if (fromAccount === toAccount) fail('SAME_ACCOUNT', `cannot transfer from account "${fromAccount}" to itself`);

  const previous = await request(ctx, `${api}/v1/transfers/${idempotencyKey}`, { method: 'GET', headers: { authorization: AUTH } }, 'read');
  if (previous.status === 200) {
    const t = previous.body;
    if (!isTransfer(t)) fail('BANK_RESPONSE_INVALID', 'unexpected answer looking up the idempotency key');
    if (t.fromAccount !== fromAccount || t.toAccount !== toAccount || t.amountCents !== amountCents || t.currency !== currency) {
      fail('IDEMPOTENCY_CONFLICT', `idempotency key "${idempotencyKey}" was used for transfer "${t.id}" with other details`);
    }
    ctx.log('transfer replayed', { transferId: t.id });
    return result(t, true);
  }
  if (previous.status >= 500) fail('BANK_UNAVAILABLE', `the bank API answered ${previous.status} looking up the idempotency key`);
  if (previous.status !== 404) fail('BANK_RESPONSE_INVALID', `unexpected status ${previous.status} looking up the idempotency key`);

  const from = await getAccount(ctx, api, fromAccount);
  const to = await getAccount(ctx, api, toAccount);
  if (from.currency !== currency || to.currency !== currency) {
    fail('CURRENCY_MISMATCH', `accounts hold ${from.currency} and ${to.currency}, the transfer is in ${currency}`);
  }
  if (from.balanceCents < amountCents) fail('INSUFFICIENT_FUNDS', `account "${fromAccount}" holds ${from.balanceCents}, the transfer needs ${amountCents}`);
  if (amountCents > from.perTransferLimitCents) fail('LIMIT_EXCEEDED', `the amount exceeds the per-transfer limit of ${from.perTransferLimitCents}`);
  const remaining = from.dailyLimitCents - from.transferredTodayCents;
  if (amountCents > remaining) fail('LIMIT_EXCEEDED', `the amount exceeds the remaining daily limit of ${Math.max(remaining, 0)}`);

  const body = JSON.stringify({ fromAccount, toAccount, amountCents, currency, reference: input.reference ?? '' });
  const created = await request(ctx, `${api}/v1/transfers`, {
    method: 'POST',
    headers: { authorization: AUTH, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
    body,
  }, 'create');
  if (created.status === 201 || created.status === 200) {
    const t = created.body;
    if (!isTransfer(t) || t.fromAccount !== fromAccount || t.toAccount !== toAccount || t.amountCents !== amountCents || t.currency !== currency) {
      fail('TRANSFER_STATUS_UNKNOWN', 'the bank accepted the transfer but answered with other details; check it with the same idempotency key');
    }
    ctx.log('transfer completed', { transferId: t.id });
    return result(t, created.status === 200);
  }
  if (created.status === 409) fail('IDEMPOTENCY_CONFLICT', `idempotency key "${idempotencyKey}" was used for another transfer`);
  if (created.status === 422 && created.body !== null && typeof created.body === 'object') {
    if (created.body.error === 'insufficient_funds') fail('INSUFFICIENT_FUNDS', `account "${fromAccount}" no longer holds enough funds`);
    if (created.body.error === 'limit_exceeded') fail('LIMIT_EXCEEDED', 'the bank refused the transfer over a limit');
  }
  fail('TRANSFER_STATUS_UNKNOWN', `the bank answered ${created.status} creating the transfer; retry with the same idempotency key`);
}
