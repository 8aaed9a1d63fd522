// The guest runtime (src/sandbox/guest/) runs inside isolates: it must type-check without Node's types
// under its own tsconfig, and import nothing but its sibling guest modules.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const guestDir = fileURLToPath(new URL('../../../src/sandbox/guest/', import.meta.url));
const guestFiles = readdirSync(guestDir).filter((name) => name.endsWith('.ts'));

describe('guest runtime sources', () => {
  it('type-check under src/sandbox/guest/tsconfig.json (no Node types)', () => {
    const configPath = `${guestDir}tsconfig.json`;
    const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config, ts.sys, guestDir);
    const program = ts.createProgram(parsed.fileNames, parsed.options);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    expect(parsed.fileNames.length).toBe(guestFiles.length);
    expect(diagnostics).toEqual([]);
  });

  it('import only sibling guest modules', () => {
    for (const name of guestFiles) {
      const source = ts.createSourceFile(name, readFileSync(`${guestDir}${name}`, 'utf8'), ts.ScriptTarget.ES2024);
      for (const statement of source.statements) {
        if ((ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier !== undefined) {
          const specifier = (statement.moduleSpecifier as ts.StringLiteral).text;
          expect(specifier, `${name} imports "${specifier}"`).toMatch(/^\.\/[a-z-]+\.ts$/);
          expect(guestFiles, `${name} imports "${specifier}"`).toContain(specifier.slice(2));
        }
      }
    }
  });
});
