/**
 * The README's image + question example runs as written (its import pointed at
 * this checkout's sources) and streams an answer.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { expect, it } from 'vitest';

import { repoRoot, scratchDir } from '../support/paths.js';

it('README: image + question → streamed answer', async () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Image + question'));
  const code = section.slice(section.indexOf('```ts\n') + 6, section.indexOf('\n```', section.indexOf('```ts\n')));
  expect(code).toContain("from 'llava-node'");
  const dir = await scratchDir('readme');
  const script = join(dir, 'example.mts');
  await writeFile(script, code.replace("from 'llava-node'", `from '${join(repoRoot, 'lib', 'index.ts')}'`));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot });
  expect(stdout.length).toBeGreaterThan(0);
});
