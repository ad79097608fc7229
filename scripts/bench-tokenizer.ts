/**
 * Tokenizer throughput: time to tokenize 1 MB of English-like text with each
 * fixture vocabulary (the llama.cpp test inputs plus generated prose, repeated
 * to 1 MB). Run: node --import tsx scripts/bench-tokenizer.ts
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Tokenizer } from '../lib/tokenizer/Tokenizer.js';

const FIXTURES = resolve(fileURLToPath(new URL('../..', import.meta.url)), 'shared', 'fixtures');
const MEGABYTE = 1 << 20;
const RUNS = 5;

/** Prose from a fixed word list and sentence shapes (deterministic, English-like). */
function generatedProse(bytes: number): string {
  const words = (
    'the of and to in is was that for it with as his on be at by had are but from or have an they which one you were her all she there ' +
    'would their we him been has when who will more no if out so said what up its about into than them can only other new some could time ' +
    'these two may then do first any my now such like our over man me even most made after also did many before must through back years ' +
    'where much your way well down should because each just those people how too little state good very make world still own see men work ' +
    'image picture describe vision language model tokenizer describes photograph colourful background'
  ).split(' ');
  let state = 12345;
  const next = (n: number): number => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
  const sentences: string[] = [];
  let length = 0;
  while (length < bytes) {
    const count = 6 + next(14);
    const sentenceWords = Array.from({ length: count }, () => words[next(words.length)] as string);
    const sentence = `${(sentenceWords[0] as string).replace(/^./, (c) => c.toUpperCase())} ${sentenceWords.slice(1).join(' ')}${next(5) === 0 ? ', "quoted", 42 times' : ''}${['.', '.', '?', '!'][next(4)]}`;
    sentences.push(next(8) === 0 ? `${sentence}\n\n` : `${sentence} `);
    length += sentence.length + 1;
  }
  return sentences.join('');
}

function megabyteOfText(vocabFile: string): string {
  const inputs = readFileSync(join(FIXTURES, `${vocabFile}.inp`), 'utf8').split('\n__ggml_vocab_test__\n').join('\n');
  const unit = `${inputs}\n${generatedProse(256 * 1024)}`;
  let text = '';
  while (Buffer.byteLength(text) < MEGABYTE) text += unit;
  // Cut to exactly 1 MiB of UTF-8, at a character boundary.
  return Buffer.from(text).subarray(0, MEGABYTE).toString('utf8').replace(/\uFFFD$/, '');
}

for (const vocabFile of ['ggml-vocab-llama-spm.gguf', 'ggml-vocab-gpt-2.gguf']) {
  const tokenizer = await Tokenizer.fromGguf(join(FIXTURES, vocabFile));
  const text = megabyteOfText(vocabFile);
  const times: number[] = [];
  let tokens = 0;
  for (let run = 0; run < RUNS; run++) {
    // A fresh tokenizer each run, so no word cache carries over between runs.
    const fresh = run === 0 ? tokenizer : await Tokenizer.fromGguf(join(FIXTURES, vocabFile));
    const start = performance.now();
    tokens = fresh.tokenize(text, { addSpecial: false }).length;
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(RUNS / 2)] as number;
  console.log(`${vocabFile}: 1 MiB → ${tokens} tokens; median ${median.toFixed(0)} ms/MB (min ${(times[0] as number).toFixed(0)}, max ${(times[RUNS - 1] as number).toFixed(0)}, ${RUNS} runs, cold cache each)`);
}
