/**
 * The decoder on a real trained model (karpathy's stories260K, converted by
 * llama.cpp): greedy decoding reproduces the published 256-step sample byte
 * for byte, and the logits after "Once upon a time" match llama.cpp's own
 * (golden/stories260K, F16 KV cache) within 1e-3 absolute.
 */
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LlavaModel } from '../../lib/LlavaModel.js';
import { fixture } from '../support/paths.js';

let model: LlavaModel;
beforeAll(async () => {
  model = await LlavaModel.load({ model: fixture('stories260K.gguf'), threads: 2 });
});
afterAll(async () => {
  await model?.dispose();
});

/** The text inside the code block that follows the `-t 0.0` command line in stories260K.md. */
function publishedGreedySample(): string {
  const md = readFileSync(fixture('stories260K.md'), 'utf8');
  const start = md.indexOf('\n', md.indexOf('-t 0.0\n')) + 1;
  const end = md.indexOf('\n```', start);
  return md.slice(start, end);
}

describe('stories260K', () => {
  it('greedy decoding from BOS reproduces the published 256-step sample', async () => {
    const result = await model.generate({ prompt: '', raw: true, maxTokens: 256, temperature: 0 });
    // run.c prints each piece after BOS without its leading space (fixtures README).
    const text = result.text.replace(/^ /, '');
    const expected = publishedGreedySample();
    expect(text.slice(0, expected.length)).toBe(expected);
    expect(text.length - expected.length).toBeLessThanOrEqual(1); // at most the final newline run.c adds
  });

  it('logits after "Once upon a time" match llama.cpp within 1e-3', async () => {
    const golden = JSON.parse(readFileSync(fixture('golden/stories260K/tokens.json'), 'utf8')) as { prompt_ids: number[] };
    const raw = readFileSync(fixture('golden/stories260K/logits-step0.f32'));
    const expected = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    expect(model.tokenize('Once upon a time', { addSpecial: true })).toEqual(golden.prompt_ids);
    const rows = await model.evaluate(golden.prompt_ids);
    const last = rows.at(-1) as Float32Array;
    let maxDiff = 0;
    for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs((last[i] as number) - (expected[i] as number)));
    console.log(`stories260K step-0 logits: max |Δ| = ${maxDiff.toExponential(3)} (scale ±${Math.max(...expected.map(Math.abs)).toFixed(1)})`);
    expect(maxDiff).toBeLessThan(1e-3);
  });

  it('continues "Once upon a time" exactly as llama.cpp does (64 greedy tokens)', async () => {
    const golden = JSON.parse(readFileSync(fixture('golden/stories260K/tokens.json'), 'utf8')) as {
      generated_ids: number[];
      generated_text: string;
    };
    const result = await model.generate({ prompt: 'Once upon a time', raw: true, maxTokens: 64, temperature: 0 });
    expect(result.tokens).toEqual(golden.generated_ids);
    expect(result.text).toBe(golden.generated_text);
  });
});
