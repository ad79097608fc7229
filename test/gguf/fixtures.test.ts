/**
 * Every GGUF in the shared fixtures opens, and what the reader reports agrees
 * with the facts stated in fixtures/README.md (a header dump made elsewhere).
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

import { describe, expect, it } from 'vitest';

import { GgufError } from '../../lib/errors.js';
import { GgufFile } from '../../lib/gguf/GgufFile.js';
import { GgufValueType } from '../../lib/gguf/valueTypes.js';
import { fixture } from '../support/paths.js';

function ggufFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ggufFilesUnder(path);
    return entry.name.endsWith('.gguf') ? [path] : [];
  });
}

describe('shared fixtures', () => {
  const files = ggufFilesUnder(fixture());

  it('finds the fixture files', () => {
    expect(files.length).toBe(11);
  });

  it.each(files.map((f) => [relative(fixture(), f), f]))('opens %s and dequantizes its tensors', async (_name, path) => {
    const file = await GgufFile.open(path);
    expect([2, 3]).toContain(file.version);
    expect(file.keys().length).toBeGreaterThan(0);
    for (const tensor of file.tensors) {
      expect(tensor.offset % file.alignment).toBe(0);
      expect(file.dataOffset + tensor.offset + tensor.size).toBeLessThanOrEqual(file.fileSize);
      const values = await file.dequantize(tensor.name);
      expect(values.length).toBe(tensor.shape.reduce((a, b) => a * b, 1));
      expect(values.every(Number.isFinite)).toBe(true);
    }
    file.close();
  });
});

describe('stories260K.gguf', () => {
  it('has the header, hyper-parameters and tensors the README lists', async () => {
    const file = await GgufFile.open(fixture('stories260K.gguf'));
    expect(file.version).toBe(3);
    expect(file.keys().length).toBe(19);
    expect(file.dataOffset).toBe(14176);
    expect(file.getString('general.architecture')).toBe('llama');
    expect(file.getInteger('llama.embedding_length')).toBe(64);
    expect(file.getInteger('llama.feed_forward_length')).toBe(172);
    expect(file.getInteger('llama.attention.head_count')).toBe(8);
    expect(file.getInteger('llama.attention.head_count_kv')).toBe(4);
    expect(file.getInteger('llama.block_count')).toBe(5);
    expect(file.getFloat('llama.attention.layer_norm_rms_epsilon')).toBe(1e-5);
    expect(file.has('llama.rope.freq_base')).toBe(false);
    expect(file.getInteger('tokenizer.ggml.padding_token_id')).toBe(0xffffffff);

    expect(file.tensors.length).toBe(48);
    expect(file.tensors.every((t) => t.type === 'F32')).toBe(true);
    const shapes = Object.fromEntries(file.tensors.map((t) => [t.name, t.shape]));
    expect(shapes['token_embd.weight']).toEqual([64, 512]);
    expect(shapes['output.weight']).toEqual([64, 512]);
    expect(shapes['output_norm.weight']).toEqual([64]);
    for (let i = 0; i < 5; i++) {
      expect(shapes[`blk.${i}.attn_q.weight`]).toEqual([64, 64]);
      expect(shapes[`blk.${i}.attn_k.weight`]).toEqual([64, 32]);
      expect(shapes[`blk.${i}.attn_v.weight`]).toEqual([64, 32]);
      expect(shapes[`blk.${i}.attn_output.weight`]).toEqual([64, 64]);
      expect(shapes[`blk.${i}.ffn_gate.weight`]).toEqual([64, 172]);
      expect(shapes[`blk.${i}.ffn_up.weight`]).toEqual([64, 172]);
      expect(shapes[`blk.${i}.ffn_down.weight`]).toEqual([172, 64]);
      expect(shapes[`blk.${i}.attn_norm.weight`]).toEqual([64]);
      expect(shapes[`blk.${i}.ffn_norm.weight`]).toEqual([64]);
    }
    file.close();
  });

  it('reads the vocabulary lazily and in slices', async () => {
    const file = await GgufFile.open(fixture('stories260K.gguf'));
    const entry = file.entries().find((e) => e.key === 'tokenizer.ggml.tokens');
    expect(entry).toMatchObject({ type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, count: 512 });
    expect(file.getArraySlice('tokenizer.ggml.tokens', 0, 3)).toEqual(['<unk>', '<s>', '</s>']);
    expect(file.getArraySlice('tokenizer.ggml.tokens', 3, 2)).toEqual(['<0x00>', '<0x01>']);
    const tokens = file.get('tokenizer.ggml.tokens') as string[];
    expect(tokens.length).toBe(512);
    expect(file.get('tokenizer.ggml.token_type')).toBeInstanceOf(Int32Array);
    expect(file.get('tokenizer.ggml.scores')).toBeInstanceOf(Float32Array);
    file.close();
  });
});

describe('typed access errors', () => {
  it('names the key for a missing or mistyped value', async () => {
    const path = fixture('stories260K.gguf');
    const file = await GgufFile.open(path);
    expect(() => file.getInteger('llama.rope.freq_base')).toThrow(GgufError);
    try {
      file.getString('llama.block_count');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GgufError);
      expect(error).toMatchObject({ code: 'GGUF_WRONG_TYPE', path, field: 'llama.block_count' });
      expect((error as GgufError).offset).toBeGreaterThan(0);
    }
    await expect(file.dequantize('no.such.tensor')).rejects.toMatchObject({ code: 'GGUF_NOT_FOUND' });
    file.close();
  });

  it('reports a missing file as GGUF_IO with its path', async () => {
    await expect(GgufFile.open('/nonexistent/model.gguf')).rejects.toMatchObject({
      code: 'GGUF_IO',
      path: '/nonexistent/model.gguf',
    });
  });

  it('vocab-only files end at their tensor table and still open', async () => {
    const file = await GgufFile.open(fixture('ggml-vocab-llama-spm.gguf'));
    expect(file.tensors.length).toBe(0);
    expect(file.fileSize).toBe(723869);
    expect(file.getInteger('tokenizer.ggml.bos_token_id')).toBe(1);
    expect((file.get('tokenizer.ggml.tokens') as string[]).length).toBe(32000);
    file.close();
  });
});
