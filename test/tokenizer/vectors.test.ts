/**
 * llama.cpp's own tokenizer test vectors for the two fixture vocabularies
 * (made with add_special = false, parse_special = false).
 */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { Tokenizer } from '../../lib/tokenizer/Tokenizer.js';
import { fixture } from '../support/paths.js';

const SEPARATOR = '\n__ggml_vocab_test__\n';

describe.each(['ggml-vocab-llama-spm.gguf', 'ggml-vocab-gpt-2.gguf'])('%s test vectors', (vocabFile) => {
  const inputs = readFileSync(fixture(`${vocabFile}.inp`), 'utf8').split(SEPARATOR).slice(0, -1);
  const outputs = readFileSync(fixture(`${vocabFile}.out`), 'utf8').split('\n').slice(0, inputs.length);

  it('has one expected line per input', () => {
    expect(inputs.length).toBe(46);
    expect(outputs.length).toBe(inputs.length);
  });

  it('tokenizes every input to the expected ids', async () => {
    const tokenizer = await Tokenizer.fromGguf(fixture(vocabFile));
    const got = inputs.map((text) => tokenizer.tokenize(text, { addSpecial: false, parseSpecial: false }).join(' '));
    expect(got).toEqual(outputs.map((line) => line.trim()));
  });
});
