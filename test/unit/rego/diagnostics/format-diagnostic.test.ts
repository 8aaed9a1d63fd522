// Unit tests of diagnostic rendering: header, source line, caret placement (tabs, spans, ends of line),
// hints and related locations.
import { describe, expect, it } from 'vitest';
import { createDiagnostic, formatDiagnostic, formatDiagnostics, hasErrors, regoCodes, sortDiagnostics } from '../../../../src/rego/diagnostics/index.ts';
import { parseModule } from '../../../../src/rego/syntax/index.ts';

const span = (line: number, col: number, endCol: number, file = 'p.rego') => ({
  file,
  start: { line, col, offset: 0 },
  end: { line, col: endCol, offset: 0 },
});

describe('formatDiagnostic', () => {
  it('prints file:line:col, severity, code and message, then the line with a caret under the column', () => {
    const source = 'package t\nallow if { x := }\n';
    const d = parseModule(source, 'p.rego').diagnostics[0]!;
    expect(formatDiagnostic(d, source)).toBe(
      [
        'p.rego:2:17: error REGO1001: Unexpected "}": expected a term (a value, variable, reference or call)',
        '  2 | allow if { x := }',
        '    |                 ^',
      ].join('\n'),
    );
  });

  it('underlines the whole span when it stays on one line', () => {
    const d = createDiagnostic('REGO2002', span(1, 6, 9), 'Unknown function "foo"');
    expect(formatDiagnostic(d, 'x := foo(1)').split('\n')[2]).toBe('    |      ^^^');
  });

  it('keeps tabs in the marker line so the caret lines up', () => {
    const d = createDiagnostic('REGO2001', span(1, 3, 4), 'Unsafe variable "x"');
    expect(formatDiagnostic(d, '\t\tx').split('\n')[2]).toBe('    | \t\t^');
  });

  it('widens the gutter for long line numbers', () => {
    const source = `${'\n'.repeat(99)}bad`;
    const d = createDiagnostic('REGO1001', span(100, 1, 4), 'Unexpected name "bad"');
    expect(formatDiagnostic(d, source).split('\n').slice(1)).toEqual(['  100 | bad', '      | ^^^']);
  });

  it('prints a single caret for spans that cross lines', () => {
    const d = createDiagnostic('REGO2007', { file: 'p.rego', start: { line: 1, col: 1, offset: 0 }, end: { line: 3, col: 2, offset: 20 } }, 'Recursive rule "data.t.p": it refers to itself');
    expect(formatDiagnostic(d, 'p if {\n p\n}').split('\n')[2]).toBe('    | ^');
  });

  it('prints only the header without a source', () => {
    const d = createDiagnostic('REGO1006', span(1, 1, 2), 'Missing package declaration');
    expect(formatDiagnostic(d)).toBe('p.rego:1:1: error REGO1006: Missing package declaration');
  });

  it('adds hints and related locations, from other files too', () => {
    const d = createDiagnostic('REGO2005', span(2, 1, 8, 'b.rego'), 'Multiple default rules for "data.t.p"', {
      hint: 'keep one',
      related: [{ message: 'first default here', span: span(1, 1, 8, 'a.rego') }],
    });
    const text = formatDiagnostics([d], { 'a.rego': 'default p := 1', 'b.rego': 'package t\ndefault p := 2' });
    expect(text.split('\n')).toEqual([
      'b.rego:2:1: error REGO2005: Multiple default rules for "data.t.p"',
      '  2 | default p := 2',
      '    | ^^^^^^^',
      '  hint: keep one',
      '  note: a.rego:1:1: first default here',
      '  1 | default p := 1',
      '    | ^^^^^^^',
    ]);
  });
});

describe('diagnostics', () => {
  it('takes severity from the code catalogue', () => {
    expect(createDiagnostic('REGO2001', span(1, 1, 2), 'x').severity).toBe(regoCodes.REGO2001.severity);
    expect(hasErrors([createDiagnostic('REGO2001', span(1, 1, 2), 'x')])).toBe(true);
    expect(hasErrors([])).toBe(false);
  });

  it('catalogues every code once with the REGO format', () => {
    for (const code of Object.keys(regoCodes)) expect(code).toMatch(/^REGO[123]\d{3}$/);
  });

  it('sorts by file then position', () => {
    const a = createDiagnostic('REGO2001', { ...span(1, 1, 2, 'b.rego'), start: { line: 1, col: 1, offset: 5 } }, 'a');
    const b = createDiagnostic('REGO2001', { ...span(1, 1, 2, 'a.rego'), start: { line: 1, col: 1, offset: 9 } }, 'b');
    const c = createDiagnostic('REGO2001', { ...span(1, 1, 2, 'a.rego'), start: { line: 1, col: 1, offset: 1 } }, 'c');
    expect(sortDiagnostics([a, b, c]).map((d) => d.message)).toEqual(['c', 'b', 'a']);
  });
});
