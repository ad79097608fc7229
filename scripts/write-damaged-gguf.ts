/**
 * Writes the damaged-GGUF corpus (test/robustness/damagedGguf.ts) to a
 * directory, one file per case, for running the native reader over it
 * outside Node (scripts/check-gguf-asan.sh).
 *
 * Usage: node --import tsx scripts/write-damaged-gguf.ts <directory>
 * Files are named <index>.gguf; <directory>/index.tsv maps each to its case
 * and expected outcome.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { generateDamagedFiles } from '../test/robustness/damagedGguf.js';

const directory = process.argv[2];
if (!directory) {
  console.error('usage: node --import tsx scripts/write-damaged-gguf.ts <directory>');
  process.exit(2);
}

mkdirSync(directory, { recursive: true });
const index: string[] = [];
for (const [i, file] of generateDamagedFiles().entries()) {
  const name = `${i}.gguf`;
  writeFileSync(join(directory, name), file.bytes);
  const expected = file.expect.outcome === 'rejected' ? file.expect.codes.join('|') : file.expect.outcome;
  index.push(`${name}\t${file.name}\t${expected}`);
}
writeFileSync(join(directory, 'index.tsv'), `${index.join('\n')}\n`);
console.log(`wrote ${index.length} damaged GGUF files to ${directory}`);
