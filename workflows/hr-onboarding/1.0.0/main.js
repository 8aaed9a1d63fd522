// hr-onboarding: the directory account first (every other system keys on it), then the requested
// systems in a fixed order. Each POST carries the idempotency key "<employee>-<system>", so running
// the checklist again after a partial failure creates only what is still missing (409 = exists).

const DEFAULT_API = 'https://hr.example.com';
const ORDER = ['email', 'payroll', 'badge'];

function fail(code, message) {
  throw Object.assign(new Error(message), { code });
}

async function createAccount(ctx, api, system, employee) {
  let response;
  try {
    response = await ctx.call('http.fetch', {
      url: `${api}/v1/systems/${system}/accounts`,
      method: 'POST',
      headers: { authorization: { $secret: 'hr-api' }, 'content-type': 'application/json', 'idempotency-key': `${employee.id}-${system}` },
      body: JSON.stringify({ employeeId: employee.id, firstName: employee.firstName, lastName: employee.lastName, email: employee.email }),
      responseType: 'json',
      timeoutMs: 15000,
    });
  } catch (error) {
    return { system, status: 'failed', reason: `request failed (${error.code ?? 'error'})` };
  }
  if (response.status === 201 || response.status === 409) {
    const id = response.body !== null && typeof response.body === 'object' ? response.body.accountId : undefined;
    if (typeof id !== 'string' || id === '') fail('HR_API_RESPONSE_INVALID', `the API answered ${response.status} for "${system}" without an account id`);
    return { system, status: response.status === 201 ? 'created' : 'existing', accountId: id };
  }
  const detail = response.body !== null && typeof response.body === 'object' && typeof response.body.error === 'string' ? `: ${response.body.error.slice(0, 200)}` : '';
  return { system, status: 'failed', reason: `the API answered ${response.status}${detail}` };
}

export default async function (input, ctx) {
  const { employee } = input;
  const api = input.apiBaseUrl ?? DEFAULT_API;
  const directory = await createAccount(ctx, api, 'directory', employee);
  if (directory.status === 'failed') fail('DIRECTORY_ACCOUNT_FAILED', `the directory account of ${employee.id} could not be created (${directory.reason})`);
  const accounts = [directory];
  for (const system of ORDER) {
    if (!input.systems.includes(system)) continue;
    const account = await createAccount(ctx, api, system, employee);
    if (account.status === 'failed') ctx.log.warn('account not created', { system, reason: account.reason });
    accounts.push(account);
  }
  return { employeeId: employee.id, complete: accounts.every((a) => a.status !== 'failed'), accounts };
}
