/**
 * StreamingDetokenizer: characters split over byte-fallback / byte-level
 * tokens come out whole, and pushes + flush always concatenate to detokenize.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { Tokenizer } from '../../lib/tokenizer/Tokenizer.js';
import { fixture } from '../support/paths.js';
import { randomTexts } from './randomText.js';

let spm: Tokenizer;
let gpt2: Tokenizer;

beforeAll(async () => {
  spm = await Tokenizer.fromGguf(fixture('ggml-vocab-llama-spm.gguf'));
  gpt2 = await Tokenizer.fromGguf(fixture('ggml-vocab-gpt-2.gguf'));
});

function streamed(tokenizer: Tokenizer, ids: readonly number[], unparseSpecial = false): string[] {
  const stream = tokenizer.createStreamingDetokenizer({ unparseSpecial });
  return [...ids.map((id) => stream.push(id)), stream.flush()];
}

describe('StreamingDetokenizer', () => {
  it('holds back a character spelled with byte-fallback tokens until its last byte', () => {
    // None of these characters is in the LLaMA vocabulary: each becomes 3–4 <0xXX> tokens.
    const text = '𓀀 🫩 𠜎 ꦲ';
    const ids = spm.tokenize(text, { addSpecial: false });
    const byteTokens = ids.filter((id) => spm.tokenToPiece(id).length === 1 && (spm.tokenToPiece(id)[0] as number) >= 0x80);
    expect(byteTokens.length).toBe(15);

    const outputs = streamed(spm, ids);
    expect(outputs.join('')).toBe(text);
    expect(outputs.join('')).toBe(spm.detokenize(ids));
    // Nothing is ever emitted half-done: every output is whole characters, never U+FFFD.
    expect(outputs.filter((o) => o !== '')).toEqual(['𓀀', ' ', '🫩', ' ', '𠜎', ' ', 'ꦲ']);
  });

  it('flushes an incomplete character as U+FFFD, like detokenize', () => {
    const ids = spm.tokenize('a🫩', { addSpecial: false });
    const cut = ids.slice(0, -2); // drop the last two bytes of the emoji
    const outputs = streamed(spm, cut);
    expect(outputs.slice(0, -1).join('')).toBe('a');
    expect(outputs.at(-1)).toBe('\uFFFD');
    expect(outputs.join('')).toBe(spm.detokenize(cut));
  });

  it('drops the SentencePiece space prefix only from the very first token, as detokenize does', () => {
    const withBos = spm.tokenize('Hello world');
    expect(withBos[0]).toBe(spm.bos);
    expect(streamed(spm, withBos).join('')).toBe(' Hello world');
    expect(spm.detokenize(withBos)).toBe(' Hello world');
    const withoutBos = spm.tokenize('Hello world', { addSpecial: false });
    expect(streamed(spm, withoutBos).join('')).toBe('Hello world');
  });

  it('applies GPT-2 space clean-up across token boundaries exactly like detokenize', () => {
    const text = "🫩 a ? b ' c 're d 's e ' ' f , g . h !";
    const ids = gpt2.tokenize(text);
    const outputs = streamed(gpt2, ids);
    expect(outputs.join('')).toBe(gpt2.detokenize(ids));
    expect(outputs.join('')).toBe("🫩 a? b'c're d's e'' f, g. h!");
  });

  it('renders special tokens when asked, in step with detokenize', () => {
    const ids = spm.tokenize('<s>x</s> y', { parseSpecial: true });
    expect(streamed(spm, ids, true).join('')).toBe(spm.detokenize(ids, { unparseSpecial: true }));
    expect(streamed(spm, ids).join('')).toBe(spm.detokenize(ids));
  });

  it('matches detokenize on generated text for both vocabularies', () => {
    for (const tokenizer of [spm, gpt2]) {
      for (const text of randomTexts(7, 300)) {
        const ids = tokenizer.tokenize(text, { parseSpecial: true });
        expect(streamed(tokenizer, ids).join('')).toBe(tokenizer.detokenize(ids));
        expect(streamed(tokenizer, ids, true).join('')).toBe(tokenizer.detokenize(ids, { unparseSpecial: true }));
      }
    }
  });

  it('starts over after flush', () => {
    const stream = spm.createStreamingDetokenizer();
    const ids = spm.tokenize('Hi', { addSpecial: false });
    const first = ids.map((id) => stream.push(id)).join('') + stream.flush();
    const second = ids.map((id) => stream.push(id)).join('') + stream.flush();
    expect(second).toBe(first);
    expect(first).toBe('Hi');
  });
});
