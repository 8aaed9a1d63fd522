/**
 * `providers.aws.sign_req`: AWS Signature Version 4 for a request object (as `http.send` takes it),
 * computed as OPA's `internal/providers/aws` does, for a caller-supplied time so the result is
 * reproducible.
 */
import { createHash, createHmac } from 'node:crypto';
import { builtinError, operandError } from './builtin-error.ts';
import { goJsonEscape } from './encoding.ts';
import type { JsBuiltinTable } from './js-builtin.ts';
import { defineBuiltin } from './js-builtin.ts';
import type { JsonObject, JsonValue } from './value.ts';
import { isObject, marshalJson, typeNameOf } from './value.ts';

const NAME = 'providers.aws.sign_req';
const requiredConfig = ['aws_access_key', 'aws_region', 'aws_secret_access_key', 'aws_service'];
const ignoredHeaders = new Set(['authorization', 'user-agent', 'x-amzn-trace-id']);

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** Host, escaped path and raw query of a URL as Go's `url.Parse` splits it (an empty path stays empty). */
function splitUrl(raw: string): { host: string; path: string; query: string } {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/.exec(raw);
  if (m === null) throw builtinError(NAME, `parse ${JSON.stringify(raw)}: invalid URL`);
  const host = m[2]!.replace(/^[^@]*@/, '');
  return { host, path: m[3]!, query: m[4] ?? '' };
}

function signRequest(req: JsonObject, config: JsonObject, timeNs: number): JsonObject {
  const missing = requiredConfig.filter((k) => !Object.hasOwn(config, k));
  if (missing.length > 0) throw builtinError(NAME, `operand 2 missing required AWS config parameters(s): {${missing.map((k) => JSON.stringify(k)).join(', ')}}`);
  const invalid = requiredConfig.filter((k) => typeof config[k] !== 'string');
  if (invalid.length > 0) throw builtinError(NAME, `operand 2 invalid values for required AWS config parameters(s): {${invalid.map((k) => JSON.stringify(k)).join(', ')}}`);
  const missingReq = ['method', 'url'].filter((k) => !Object.hasOwn(req, k));
  if (missingReq.length > 0) throw builtinError(NAME, `missing required request parameters(s): {${missingReq.map((k) => JSON.stringify(k)).join(', ')}}`);
  const badReq = ['method', 'url'].filter((k) => typeof req[k] !== 'string');
  if (badReq.length > 0) throw builtinError(NAME, `operand 1 invalid values for required request parameters(s): {${badReq.map((k) => JSON.stringify(k)).join(', ')}}`);
  const headersIn = req['headers'] ?? {};
  if (!isObject(headersIn)) throw operandError(NAME, 0, ['object'], typeNameOf(headersIn));
  const disable = config['disable_payload_signing'] ?? false;
  if (typeof disable !== 'boolean') throw builtinError(NAME, "operand 2 invalid value for 'disable_payload_signing' in AWS config");

  const service = config['aws_service'] as string;
  const region = config['aws_region'] as string;
  const url = splitUrl(req['url'] as string);
  const body = typeof req['raw_body'] === 'string' ? req['raw_body'] : req['body'] !== undefined ? goJsonEscape(marshalJson(req['body'])) : '';
  const bodyHash = disable ? 'UNSIGNED-PAYLOAD' : sha256Hex(Buffer.from(body, 'utf8'));
  const iso = new Date(Math.floor(timeNs / 1e6)).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = iso.slice(0, 8);

  const awsHeaders: Record<string, string> = { host: url.host, 'x-amz-date': iso };
  if (service === 's3' || service === 'glacier') awsHeaders['x-amz-content-sha256'] = bodyHash;
  const token = config['aws_session_token'];
  if (typeof token === 'string' && token !== '') awsHeaders['x-amz-security-token'] = token;

  const toSign: Record<string, string> = { ...awsHeaders };
  for (const [k, v] of Object.entries(headersIn)) {
    const lower = k.toLowerCase();
    if (!ignoredHeaders.has(lower)) toSign[lower] = typeof v === 'string' ? v : '';
  }
  const keys = Object.keys(toSign).sort();
  const signedHeaders = keys.join(';');
  const canonical = `${req['method'] as string}\n${url.path}\n${url.query}\n${keys.map((k) => `${k}:${toSign[k]}\n`).join('')}\n${signedHeaders}\n${bodyHash}`;
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${iso}\n${scope}\n${sha256Hex(canonical)}`;
  let key = hmac(`AWS4${config['aws_secret_access_key'] as string}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const signature = hmac(key, stringToSign).toString('hex');

  const headersOut: JsonObject = {};
  for (const [k, v] of Object.entries(headersIn)) if (typeof v === 'string') headersOut[k] = v;
  headersOut['Authorization'] = `AWS4-HMAC-SHA256 Credential=${config['aws_access_key'] as string}/${scope},SignedHeaders=${signedHeaders},Signature=${signature}`;
  Object.assign(headersOut, awsHeaders);
  return { ...req, headers: headersOut };
}

/** The AWS provider builtins by name. */
export const awsBuiltins: JsBuiltinTable = {
  [NAME]: defineBuiltin(NAME, (req, config, time) => signRequest(req as JsonObject, config as JsonObject, time as JsonValue as number)),
};
