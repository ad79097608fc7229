/**
 * Differential test against llama.cpp (node-llama-cpp@3.21.1 in a child
 * process): thousands of generated strings per vocabulary, with a fixed seed
 * and a fresh one each run (printed, to reproduce a failure), tokenized with
 * parseSpecial off and on; ids, both detokenizations, streaming
 * detokenization, BOS/EOS and the end-of-generation set must all agree.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { Tokenizer } from '../../lib/tokenizer/Tokenizer.js';
import { runOracle } from '../oracles/runOracle.js';
import { scratchDir } from '../support/paths.js';
import { randomTexts } from './randomText.js';
import { GPT2, LLAMA_SPM, writeVocabVariants } from './vocabVariants.js';

interface OracleTokenization {
  ids: number[];
  text: string;
  textSpecial: string;
}
interface OracleVocabResult {
  path: string;
  bos: number | null;
  eos: number | null;
  endOfGeneration: number[];
  cases: { plain: OracleTokenization; special: OracleTokenization }[];
}

const FIXED_SEED = 20240229;
const FRESH_SEED = (Math.random() * 2 ** 32) >>> 0;
const FIXTURE_COUNT = 2500; // per seed, for each fixture vocabulary
const VARIANT_COUNT = 1000; // per seed, for each derived vocabulary

const ORACLE = '../tokenizer/nodeLlamaCppTokenize.mjs';

/** Every vocabulary under test with its strings. */
const vocabs: { name: string; path: string; texts: string[] }[] = [];
let results: Map<string, OracleVocabResult>;

beforeAll(async () => {
  console.log(`tokenizer differential test: fixed seed ${FIXED_SEED}, fresh seed ${FRESH_SEED}`);
  const dir = await scratchDir('tokenizer');
  const textsFor = (count: number, salt: number): string[] => [...randomTexts(FIXED_SEED + salt, count), ...randomTexts(FRESH_SEED + salt, count)];
  vocabs.push({ name: 'llama-spm', path: LLAMA_SPM, texts: textsFor(FIXTURE_COUNT, 0) });
  vocabs.push({ name: 'gpt-2', path: GPT2, texts: textsFor(FIXTURE_COUNT, 1) });
  let salt = 2;
  for (const [name, path] of await writeVocabVariants(dir)) vocabs.push({ name, path, texts: textsFor(VARIANT_COUNT, salt++) });

  const requestPath = join(dir, 'request.json');
  await writeFile(requestPath, JSON.stringify({ vocabs: vocabs.map(({ path, texts }) => ({ path, texts })) }));
  const answer = await runOracle<OracleVocabResult[]>(ORACLE, { requestPath });
  results = new Map(answer.map((r) => [r.path, r]));
});

describe.each(['llama-spm', 'gpt-2', 'gpt2-llama-bpe', 'gpt2-default', 'spm-no-prefix-user-defined', 'spm-phi3'])('%s vocabulary', (name) => {
  let tokenizer: Tokenizer;
  let vocab: (typeof vocabs)[number];
  let oracle: OracleVocabResult;

  beforeAll(async () => {
    vocab = vocabs.find((v) => v.name === name) as (typeof vocabs)[number];
    oracle = results.get(vocab.path) as OracleVocabResult;
    tokenizer = await Tokenizer.fromGguf(vocab.path);
  });

  it('has llama.cpp’s BOS, EOS and end-of-generation tokens', () => {
    expect(tokenizer.bos ?? null).toBe(oracle.bos);
    expect(tokenizer.eos ?? null).toBe(oracle.eos);
    const ours = Array.from({ length: tokenizer.vocabSize }, (_, id) => id).filter((id) => tokenizer.isEndOfGeneration(id));
    expect(ours).toEqual(oracle.endOfGeneration);
  });

  for (const mode of ['plain', 'special'] as const) {
    it(`tokenizes and detokenizes every string like llama.cpp (parseSpecial ${mode === 'special'})`, () => {
      const mismatches: string[] = [];
      vocab.texts.forEach((text, i) => {
        const expected = oracle.cases[i]?.[mode] as OracleTokenization;
        const ids = tokenizer.tokenize(text, { addSpecial: false, parseSpecial: mode === 'special' });
        const problems: string[] = [];
        if (ids.join(' ') !== expected.ids.join(' ')) problems.push(`ids ${ids.join(' ')} ≠ ${expected.ids.join(' ')}`);
        const text0 = tokenizer.detokenize(expected.ids);
        if (text0 !== expected.text) problems.push(`detokenize ${JSON.stringify(text0)} ≠ ${JSON.stringify(expected.text)}`);
        const text1 = tokenizer.detokenize(expected.ids, { unparseSpecial: true });
        if (text1 !== expected.textSpecial) problems.push(`detokenize(special) ${JSON.stringify(text1)} ≠ ${JSON.stringify(expected.textSpecial)}`);
        const stream = tokenizer.createStreamingDetokenizer();
        const streamed = expected.ids.map((id) => stream.push(id)).join('') + stream.flush();
        if (streamed !== expected.text) problems.push(`streamed ${JSON.stringify(streamed)} ≠ ${JSON.stringify(expected.text)}`);
        if (problems.length > 0) mismatches.push(`${JSON.stringify(text)}: ${problems.join('; ')}`);
      });
      console.log(`${name} parseSpecial=${mode === 'special'}: ${vocab.texts.length - mismatches.length}/${vocab.texts.length} strings agree`);
      expect(mismatches.slice(0, 10)).toEqual([]);
    });
  }
});
