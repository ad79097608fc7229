/**
 * Tokenizer API behaviour beyond the differential test: loading, options,
 * single-token queries, and errors for bad ids and bad metadata.
 */
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { GgufError, InvalidArgumentError, LlavaError } from '../../lib/errors.js';
import { GgufFile } from '../../lib/gguf/GgufFile.js';
import { GgufWriter } from '../../lib/gguf/GgufWriter.js';
import { GgufValueType } from '../../lib/gguf/valueTypes.js';
import { Tokenizer } from '../../lib/tokenizer/Tokenizer.js';
import { fixture, scratchDir } from '../support/paths.js';

let spm: Tokenizer;
let gpt2: Tokenizer;

beforeAll(async () => {
  spm = await Tokenizer.fromGguf(fixture('ggml-vocab-llama-spm.gguf'));
  gpt2 = await Tokenizer.fromGguf(fixture('ggml-vocab-gpt-2.gguf'));
});

describe('loading', () => {
  it('reads the LLaMA SentencePiece vocabulary', () => {
    expect(spm).toMatchObject({ kind: 'llama', vocabSize: 32000, bos: 1, eos: 2, addBos: true, addEos: false });
  });

  it('reads the GPT-2 byte-level vocabulary (no add_bos_token: llama.cpp adds none)', () => {
    expect(gpt2).toMatchObject({ kind: 'gpt2', vocabSize: 50257, bos: 50256, eos: 50256, addBos: false, addEos: false });
  });

  it('reads a full model file and leaves an open GgufFile open', async () => {
    const file = await GgufFile.open(fixture('stories260K.gguf'));
    try {
      const tokenizer = Tokenizer.fromGgufFile(file);
      expect(tokenizer).toMatchObject({ kind: 'llama', vocabSize: 512, bos: 1, eos: 2, addBos: true });
      expect(tokenizer.detokenize(tokenizer.tokenize('Once upon a time'))).toBe(' Once upon a time');
      const tensor = file.tensors[0];
      expect(tensor && file.tensorBytes(tensor.name).length).toBeGreaterThan(0);
    } finally {
      file.close();
    }
  });
});

describe('tokenize options', () => {
  it('adds BOS by default for LLaMA and never for GPT-2', () => {
    expect(spm.tokenize('Hello')).toEqual([1, 15043]);
    expect(spm.tokenize('Hello', { addSpecial: false })).toEqual([15043]);
    expect(gpt2.tokenize('Hello')).toEqual([15496]);
  });

  it('gives just BOS for empty text, or nothing', () => {
    expect(spm.tokenize('')).toEqual([1]);
    expect(spm.tokenize('', { addSpecial: false })).toEqual([]);
  });

  it('turns control-token text into the token only with parseSpecial, with the space prefix after it', () => {
    expect(spm.tokenize('<s>Hi</s>', { addSpecial: false, parseSpecial: true })).toEqual([1, 6324, 2]);
    expect(spm.tokenize('<s>Hi</s>', { addSpecial: false })).not.toContain(1);
    expect(gpt2.tokenize('a<|endoftext|>b', { parseSpecial: true })).toEqual([64, 50256, 65]);
  });
});

describe('detokenize', () => {
  it('strips the space prefix from the first piece unless that is a BOS being removed', () => {
    const ids = spm.tokenize('Hello world');
    expect(spm.detokenize(ids)).toBe(' Hello world');
    expect(spm.detokenize(ids, { removeSpecial: true })).toBe(' Hello world');
    expect(spm.detokenize(ids.slice(1))).toBe('Hello world');
  });

  it('hides control tokens unless unparseSpecial', () => {
    const ids = [1, ...spm.tokenize('Hi', { addSpecial: false }), 2];
    expect(spm.detokenize(ids)).toBe(' Hi');
    expect(spm.detokenize(ids, { unparseSpecial: true })).toBe('<s> Hi</s>');
  });

  it('tidies spaces before punctuation and contractions for GPT-2', () => {
    expect(gpt2.detokenize(gpt2.tokenize("I 'm here , ok ' x ?"))).toBe("I'm here, ok'x?");
  });
});

describe('single tokens', () => {
  it('gives one byte for a byte token and the ▁-unescaped text for a normal one', () => {
    expect(spm.tokenText(3 + 0xf0)).toBe('<0xF0>');
    expect(Array.from(spm.tokenToPiece(3 + 0xf0))).toEqual([0xf0]);
    expect(Buffer.from(spm.tokenToPiece(15043)).toString()).toBe(' Hello');
    expect(gpt2.tokenText(gpt2.tokenize(' é')[0] as number)).toBe('ĠÃ©');
    expect(Array.from(gpt2.tokenToPiece(gpt2.tokenize(' é')[0] as number))).toEqual([0x20, 0xc3, 0xa9]);
  });

  it('renders control tokens only when asked', () => {
    expect(spm.tokenToPiece(2).length).toBe(0);
    expect(Buffer.from(spm.tokenToPiece(2, { special: true })).toString()).toBe('</s>');
    expect(spm.tokenText(2)).toBe('</s>');
  });

  it('knows the end-of-generation tokens', () => {
    expect(spm.isEndOfGeneration(2)).toBe(true);
    expect(spm.isEndOfGeneration(1)).toBe(false);
    expect(gpt2.isEndOfGeneration(50256)).toBe(true);
  });

  it('rejects out-of-range ids', () => {
    expect(() => spm.tokenText(32000)).toThrow(InvalidArgumentError);
    expect(() => spm.tokenToPiece(-1)).toThrow(InvalidArgumentError);
    expect(() => spm.detokenize([1, 2.5])).toThrow(InvalidArgumentError);
    expect(() => spm.isEndOfGeneration(Number.NaN)).toThrow(InvalidArgumentError);
    expect(() => spm.createStreamingDetokenizer().push(40000)).toThrow(InvalidArgumentError);
  });
});

describe('bad metadata', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await scratchDir('tokenizer-errors');
  });

  /** A three-token gpt2 vocabulary, edited; `omit` drops keys. */
  async function vocabFile(name: string, edit: (writer: GgufWriter) => void, omit: readonly string[] = []): Promise<string> {
    const writer = new GgufWriter().setString('general.architecture', 'llama');
    const keys: [string, () => void][] = [
      ['tokenizer.ggml.model', () => writer.setString('tokenizer.ggml.model', 'gpt2')],
      ['tokenizer.ggml.pre', () => writer.setString('tokenizer.ggml.pre', 'gpt-2')],
      ['tokenizer.ggml.tokens', () => writer.setArray('tokenizer.ggml.tokens', GgufValueType.STRING, ['a', 'b', 'ab'])],
      ['tokenizer.ggml.merges', () => writer.setArray('tokenizer.ggml.merges', GgufValueType.STRING, ['a b'])],
    ];
    for (const [key, set] of keys) if (!omit.includes(key)) set();
    edit(writer);
    const path = join(dir, `${name}.gguf`);
    await writer.write(path);
    return path;
  }

  async function loadError(path: string): Promise<LlavaError> {
    return Tokenizer.fromGguf(path).then(
      () => {
        throw new Error('expected an error');
      },
      (error: LlavaError) => error,
    );
  }

  it('accepts a minimal gpt2 vocabulary', async () => {
    const tokenizer = await Tokenizer.fromGguf(await vocabFile('minimal', () => {}));
    expect(tokenizer.tokenize('ab ab')).toEqual([2, 2]);
  });

  it('names a missing tokenizer key', async () => {
    for (const key of ['tokenizer.ggml.model', 'tokenizer.ggml.tokens', 'tokenizer.ggml.merges']) {
      const error = await loadError(await vocabFile(`no-${key}`, () => {}, [key]));
      expect(error).toBeInstanceOf(GgufError);
      expect(error.code).toBe('GGUF_MISSING_KEY');
      expect(error.message).toContain(key);
    }
  });

  it('names a mistyped tokenizer key', async () => {
    const error = await loadError(await vocabFile('bad-types', (w) => w.setArray('tokenizer.ggml.token_type', GgufValueType.INT32, [1])));
    expect(error).toBeInstanceOf(GgufError);
    expect(error.message).toContain('tokenizer.ggml.token_type');
  });

  it('lists the supported pre-tokenizers for an unknown one', async () => {
    const error = await loadError(await vocabFile('bad-pre', (w) => w.setString('tokenizer.ggml.pre', 'qwen2')));
    expect(error).toBeInstanceOf(LlavaError);
    expect(error.code).toBe('UNSUPPORTED_TOKENIZER');
    expect(error.message).toMatch(/'qwen2'.*'default'.*'gpt-2'.*'llama-bpe'/);
  });

  it('rejects tokenizer models other than llama and gpt2', async () => {
    const error = await loadError(await vocabFile('bert', (w) => w.setString('tokenizer.ggml.model', 'bert')));
    expect(error.code).toBe('UNSUPPORTED_TOKENIZER');
    expect(error.message).toContain('tokenizer.ggml.model');
  });
});
