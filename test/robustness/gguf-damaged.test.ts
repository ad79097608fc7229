/**
 * Every damaged file derived from the fixtures (test/robustness/damagedGguf.ts)
 * must either be rejected with a GgufError that names the file and a byte
 * offset inside it, or, where the damage happens to leave a valid file, open
 * and give up every metadata value and every dequantizable tensor without
 * crashing. Files are written to a temporary directory one at a time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { GgufError } from '../../lib/errors.js';
import { GgufFile } from '../../lib/gguf/GgufFile.js';
import { tensorTypeById } from '../../lib/gguf/tensorTypes.js';
import { type DamagedFile, generateDamagedFiles } from './damagedGguf.js';

/** What opening one file led to: the rejection code, 'opened', or a description of what went wrong. */
type Result = { code: string } | { problem: string };

async function check(file: DamagedFile, path: string, size: number): Promise<Result> {
  let opened: GgufFile;
  try {
    opened = await GgufFile.open(path);
  } catch (error) {
    if (!(error instanceof GgufError)) return { problem: `threw ${String(error)} instead of a GgufError` };
    if (error.path !== path) return { problem: `error path ${error.path}` };
    if (!Number.isFinite(error.offset) || error.offset < 0 || error.offset > size) {
      return { problem: `error offset ${error.offset} outside [0, ${size}]` };
    }
    if (file.expect.outcome === 'opens') return { problem: `rejected a valid file: ${error.message}` };
    if (file.expect.outcome === 'rejected' && !file.expect.codes.includes(error.code)) {
      return { problem: `${error.code} instead of ${file.expect.codes.join(' or ')}: ${error.message}` };
    }
    return { code: error.code };
  }

  try {
    if (file.expect.outcome === 'rejected') return { problem: `opened, expected ${file.expect.codes.join(' or ')}` };
    for (const key of opened.keys()) opened.get(key);
    for (const tensor of opened.tensors) {
      if (!tensorTypeById(tensor.typeId)?.canDequantize) continue;
      const values = await opened.dequantize(tensor.name);
      const elements = tensor.shape.reduce((n, d) => n * d, 1);
      if (values.length !== elements) return { problem: `tensor '${tensor.name}' gave ${values.length} values for ${elements} elements` };
    }
    return { code: 'opened' };
  } catch (error) {
    return { problem: `opened, then failed to read: ${String(error)}` };
  } finally {
    opened.close();
  }
}

describe('damaged GGUF files', () => {
  it('are rejected with a GgufError, or open and dequantize cleanly', async () => {
    const files = generateDamagedFiles();
    const dir = mkdtempSync(join(tmpdir(), 'llava-damaged-gguf-'));
    const problems: string[] = [];
    const outcomes = new Map<string, number>();
    try {
      for (const [index, file] of files.entries()) {
        const bytes = file.bytes;
        const path = join(dir, `${index}.gguf`);
        writeFileSync(path, bytes);
        const result = await check(file, path, bytes.length);
        rmSync(path);
        if ('problem' in result) problems.push(`${file.name}: ${result.problem}`);
        else outcomes.set(result.code, (outcomes.get(result.code) ?? 0) + 1);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const opened = outcomes.get('opened') ?? 0;
    outcomes.delete('opened');
    const rejected = [...outcomes].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`);
    console.log(`damaged GGUF: ${files.length} files, ${opened} opened, rejected: ${rejected.join(', ')}; ${problems.length} problems`);
    expect(files.length).toBeGreaterThanOrEqual(400);
    expect(problems).toEqual([]);
  }, 120_000);
});
