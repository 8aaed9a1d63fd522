/**
 * Renders an IR policy as indented text, one statement per line, in the spirit of OPA's
 * `opa build -t plan` pretty printer: for debugging plans and for golden tests of the planner.
 */
import type * as ir from '../ir/ir.ts';

/** The policy as text: static strings, then each plan and function with its blocks. */
export function formatIr(policy: ir.Policy): string {
  const lines: string[] = [];
  const strings = policy.static.strings;
  const operand = (o: ir.Operand): string => (o.kind === 'local' ? `l${o.local}` : o.kind === 'bool' ? String(o.value) : JSON.stringify(strings[o.index]));
  const stmt = (s: ir.Stmt, depth: number): void => {
    const pad = '  '.repeat(depth);
    const nested = (b: ir.Block, label: string): void => {
      lines.push(`${pad}  ${label}`);
      for (const x of b.stmts) stmt(x, depth + 2);
    };
    switch (s.type) {
      case 'BlockStmt':
        lines.push(`${pad}Block`);
        s.blocks.forEach((b, i) => nested(b, `block ${i}`));
        return;
      case 'ScanStmt':
        lines.push(`${pad}Scan l${s.source} key=l${s.key} value=l${s.value}`);
        for (const x of s.block.stmts) stmt(x, depth + 1);
        return;
      case 'NotStmt':
        lines.push(`${pad}Not`);
        for (const x of s.block.stmts) stmt(x, depth + 1);
        return;
      case 'WithStmt':
        lines.push(`${pad}With l${s.local} path=[${s.path.map((i) => JSON.stringify(strings[i])).join(', ')}] value=${operand(s.value)}`);
        for (const x of s.block.stmts) stmt(x, depth + 1);
        return;
      default: {
        const fields = Object.entries(s)
          .filter(([k]) => k !== 'type' && k !== 'location')
          .map(([k, x]) => `${k}=${PLAIN_NUMBERS.has(k) || (s.type === 'AssignIntStmt' && k === 'value') ? String(x) : renderField(x, operand)}`);
        lines.push(`${pad}${s.type.replace(/Stmt$/, '')} ${fields.join(' ')}`.trimEnd());
      }
    }
  };
  lines.push(`builtins: ${policy.static.builtinFuncs.map((b) => `${b.name}/${b.arity}`).join(', ') || '-'}`);
  for (const p of policy.plans) {
    lines.push(`plan ${p.name}`);
    p.blocks.forEach((b, i) => {
      lines.push(`  block ${i}`);
      for (const x of b.stmts) stmt(x, 2);
    });
  }
  for (const f of policy.funcs) {
    lines.push(`func ${f.name}(${f.params.map((l) => `l${l}`).join(', ')}) -> l${f.return}`);
    f.blocks.forEach((b, i) => {
      lines.push(`  block ${i}`);
      for (const x of b.stmts) stmt(x, 2);
    });
  }
  return `${lines.join('\n')}\n`;
}

/** Numeric fields that are not locals. */
const PLAIN_NUMBERS: ReadonlySet<string> = new Set(['index', 'capacity']);

function renderField(x: unknown, operand: (o: ir.Operand) => string): string {
  if (Array.isArray(x)) return `[${x.map((y) => renderField(y, operand)).join(', ')}]`;
  if (typeof x === 'object' && x !== null && 'kind' in x) return operand(x as ir.Operand);
  if (typeof x === 'bigint') return x.toString();
  return typeof x === 'number' && Number.isInteger(x) ? `l${x}` : JSON.stringify(x);
}
