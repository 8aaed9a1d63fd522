// The `aiws` dispatcher: help everywhere, version, and exit 2 for anything it does not know.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/run-cli.ts';

const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('aiws', () => {
  it('lists the commands with --help and exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: aiws <command>/);
    for (const command of ['serve', 'run', 'status', 'policy']) expect(result.stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
  });

  it('prints the package version with --version', async () => {
    const result = await runCli(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `aiws ${version}\n` });
  });

  it.each(['serve', 'run', 'status', 'policy'])('shows the help of "%s" with --help, -h and "aiws help"', async (command) => {
    const results = await Promise.all([runCli([command, '--help']), runCli([command, '-h']), runCli(['help', command])]);
    for (const result of results) {
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: aiws ${command}`));
      expect(result.stdout).toContain('--help');
    }
    expect(results[1]?.stdout).toBe(results[0]?.stdout);
  });

  it('shows the command help when --help comes after other arguments', async () => {
    const result = await runCli(['run', 'whatever.js', '--json', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: aiws run/);
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['help', 'frobnicate'], 'unknown command "frobnicate"'],
    [['__proto__'], 'unknown command "__proto__"'],
    [['--frobnicate'], 'unknown option "--frobnicate"'],
    [[], 'missing command'],
  ])('exits 2 for %j with a reason and a hint', async (args, reason) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`aiws: ${reason}\nRun "aiws --help" for usage.\n`);
    expect(result.stdout).toBe('');
  });
});
