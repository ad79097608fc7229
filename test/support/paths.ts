/** Where tests find the repository and the read-only shared fixtures (../shared beside the checkout). */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const sharedDir = resolve(repoRoot, '..', 'shared');

if (!existsSync(join(sharedDir, 'fixtures'))) {
  throw new Error(`the shared fixtures are expected at ${sharedDir}/fixtures (a checkout of shared/ beside the repository)`);
}

export function fixture(...parts: string[]): string {
  return join(sharedDir, 'fixtures', ...parts);
}

/** A fresh temporary directory for one test file's outputs. */
export function scratchDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `llava-${prefix}-`));
}
