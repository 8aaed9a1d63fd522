/** Keeps docs/configuration.md in step with the config schema: every key path is documented. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/index.ts';

interface SchemaNode {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly default?: unknown;
}

function keyPaths(node: SchemaNode, prefix: string): string[] {
  return leaves(node, prefix).map(([path]) => path);
}

function leaves(node: SchemaNode, prefix: string): [string, SchemaNode][] {
  const out: [string, SchemaNode][] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (child.properties !== undefined) out.push(...leaves(child, path));
    else if (child.items?.properties !== undefined) out.push([path, child], ...leaves(child.items, `${path}[]`));
    else out.push([path, child]);
  }
  return out;
}

describe('docs/configuration.md', () => {
  it('has a row for every key of the schema', async () => {
    const doc = await readFile('docs/configuration.md', 'utf8');
    const paths = keyPaths(configSchema as SchemaNode, '');
    expect(paths.length).toBeGreaterThan(15);
    for (const path of paths) expect(doc, path).toContain(`| \`${path}\` |`);
  });

  it('states each default as the schema has it', async () => {
    const doc = await readFile('docs/configuration.md', 'utf8');
    for (const [path, node] of leaves(configSchema as SchemaNode, '')) {
      if (node.default === undefined) continue;
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${path}\` |`)) ?? '';
      const shown = typeof node.default === 'string' ? node.default : JSON.stringify(node.default);
      expect(row.split('|')[3]?.trim(), path).toBe(`\`${shown}\``);
    }
  });
});
