/** `llava inspect` as a user runs it: a child process, JSON on stdout, one-line errors. */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { fixture, repoRoot, scratchDir } from '../support/paths.js';

const run = promisify(execFile);
const cli = ['--import', 'tsx', join(repoRoot, 'lib/cli/main.ts')];

describe('llava inspect', () => {
  it('--json lists the 48 tensors of stories260K with their names, types and shapes', async () => {
    const { stdout } = await run(process.execPath, [...cli, 'inspect', '--json', fixture('stories260K.gguf')], { cwd: repoRoot });
    const report = JSON.parse(stdout) as {
      version: number;
      metadata: Record<string, unknown>;
      tensors: { name: string; type: string; shape: number[]; offset: number; size: number }[];
    };
    expect(report.version).toBe(3);
    expect(report.metadata['general.architecture']).toBe('llama');
    expect(report.metadata['llama.attention.layer_norm_rms_epsilon']).toBe(1e-5);
    expect(report.metadata['tokenizer.ggml.tokens']).toEqual({
      itemType: 'STRING',
      count: 512,
      first: ['<unk>', '<s>', '</s>', '<0x00>', '<0x01>', '<0x02>', '<0x03>', '<0x04>'],
    });
    expect(report.tensors.length).toBe(48);
    const expected = new Map<string, number[]>([
      ['token_embd.weight', [64, 512]],
      ['output.weight', [64, 512]],
      ['output_norm.weight', [64]],
    ]);
    for (let i = 0; i < 5; i++) {
      for (const [name, shape] of [
        ['attn_q', [64, 64]],
        ['attn_k', [64, 32]],
        ['attn_v', [64, 32]],
        ['attn_output', [64, 64]],
        ['ffn_gate', [64, 172]],
        ['ffn_up', [64, 172]],
        ['ffn_down', [172, 64]],
        ['attn_norm', [64]],
        ['ffn_norm', [64]],
      ] as const) {
        expected.set(`blk.${i}.${name}.weight`, [...shape]);
      }
    }
    expect(new Set(report.tensors.map((t) => t.name))).toEqual(new Set(expected.keys()));
    for (const t of report.tensors) {
      expect(t.type).toBe('F32');
      expect(t.shape).toEqual(expected.get(t.name));
      expect(t.size).toBe(4 * t.shape.reduce((a, b) => a * b, 1));
    }
  });

  it('prints a readable table without --json', async () => {
    const { stdout } = await run(process.execPath, [...cli, 'inspect', fixture('golden/llava-tiny/tiny-mmproj-q8_0.gguf')]);
    expect(stdout).toMatch(/GGUF v3, \d+ metadata keys, \d+ tensors/);
    expect(stdout).toMatch(/clip\.vision\.image_mean = \[0\.48145467, 0\.4578275, 0\.40821072\]/);
    expect(stdout).toMatch(/v\.blk\.0\.attn_q\.weight\s+Q8_0\s+\[64, 64\]/);
  });

  it('fails with one line naming the file, field and offset for a damaged file', async () => {
    const dir = await scratchDir('cli');
    const path = join(dir, 'bad.gguf');
    await writeFile(path, Buffer.from('GGUF\x03\x00\x00\x00\x01\x00', 'latin1'));
    const failure = await run(process.execPath, [...cli, 'inspect', path]).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 1 });
    const stderr = (failure as { stderr: string }).stderr;
    expect(stderr.trim().split('\n').length).toBe(1);
    expect(stderr).toContain(path);
    expect(stderr).toMatch(/tensor_count.*byte offset 8/);
  });
});
