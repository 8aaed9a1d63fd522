// `npm run bench`: runs every bench/*.bench.ts in turn (or those named on the command line) and
// lets each print its own table of medians and ratios. Benchmarks measure; they never assert.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => only.length === 0 || only.some((wanted) => name.includes(wanted)))
  .sort();

for (const file of files) {
  console.log(`\n## ${file.replace(/\.bench\.ts$/, '')}\n`);
  const bench = (await import(join(here, file))) as { default: () => Promise<void> };
  await bench.default();
}
