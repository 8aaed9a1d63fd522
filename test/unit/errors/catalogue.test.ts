// docs/errors.md and src/errors/codes.ts describe the same codes: every code in one is in the other,
// with the same JSON-RPC code, close code, fault and retryability.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { codes, type ErrorSpec } from '../../../src/errors/index.ts';

interface DocumentedCode {
  readonly rpcCode: number;
  readonly wsClose: number | undefined;
  readonly fault: string;
  readonly retryable: boolean;
  readonly meaning: string;
  readonly action: string;
}

function readCatalogue(): Map<string, DocumentedCode> {
  const markdown = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, DocumentedCode>();
  for (const line of markdown.split('\n')) {
    const cells = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|(.*)\|\s*$/.exec(line);
    if (cells === null) continue;
    const [code, rest] = [cells[1] as string, (cells[2] as string).split('|').map((cell) => cell.trim())];
    expect(rows.has(code), `"${code}" is listed twice in docs/errors.md`).toBe(false);
    expect(rest, `row of "${code}" needs 6 cells after the code`).toHaveLength(6);
    const [rpc, close, fault, retryable, meaning, action] = rest as [string, string, string, string, string, string];
    rows.set(code, {
      rpcCode: Number(rpc),
      wsClose: close === '—' ? undefined : Number(close),
      fault,
      retryable: retryable === 'yes',
      meaning,
      action,
    });
  }
  return rows;
}

describe('error catalogue', () => {
  const documented = readCatalogue();
  const catalogued = codes as Readonly<Record<string, ErrorSpec>>;

  it('documents every code of src/errors/codes.ts in docs/errors.md', () => {
    const missing = Object.keys(catalogued).filter((code) => !documented.has(code));
    expect(missing, 'codes missing from docs/errors.md').toEqual([]);
  });

  it('documents no code that src/errors/codes.ts lacks', () => {
    const extra = [...documented.keys()].filter((code) => !Object.hasOwn(catalogued, code));
    expect(extra, 'codes in docs/errors.md but not in codes.ts').toEqual([]);
  });

  it('gives each code the JSON-RPC code, close code, fault and retryability of codes.ts', () => {
    const mismatches = [...documented]
      .filter(([code]) => Object.hasOwn(catalogued, code))
      .flatMap(([code, doc]) => {
        const spec = catalogued[code] as ErrorSpec;
        const expected = { rpcCode: spec.rpcCode, wsClose: spec.wsClose, fault: spec.fault, retryable: spec.retryable };
        const actual = { rpcCode: doc.rpcCode, wsClose: doc.wsClose, fault: doc.fault, retryable: doc.retryable };
        return JSON.stringify(expected) === JSON.stringify(actual) ? [] : [{ code, expected, actual }];
      });
    expect(mismatches).toEqual([]);
  });

  it('says what each code means and what a client should do', () => {
    const blank = [...documented].filter(([, doc]) => doc.meaning === '' || doc.action === '').map(([code]) => code);
    expect(blank).toEqual([]);
  });
});
