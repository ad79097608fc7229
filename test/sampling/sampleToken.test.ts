/** The sampler on fresh random logits: greedy, truncations, temperature, penalties, seeding. */
import { describe, expect, it } from 'vitest';

import { SeededRng } from '../../lib/sampling/SeededRng.js';
import { type SamplingParams, argmax, sampleToken } from '../../lib/sampling/sampleToken.js';

const neutral: SamplingParams = {
  temperature: 1,
  topK: 0,
  topP: 1,
  minP: 0,
  repeatPenalty: 1,
  frequencyPenalty: 0,
  presencePenalty: 0,
  penaltyLastN: 64,
};

function randomLogits(n: number, rng: SeededRng): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 10);
}

const seed = Date.now() % 2 ** 31;
console.log(`sampler test seed ${seed}`);

describe('sampleToken', () => {
  it('is greedy at temperature 0 (first index on ties)', () => {
    const rng = new SeededRng(seed);
    const logits = randomLogits(1000, rng);
    expect(sampleToken(logits, [], { ...neutral, temperature: 0 }, rng)).toBe(argmax(logits));
    expect(argmax(Float32Array.from([1, 3, 3, 2]))).toBe(1);
  });

  it('only draws from the top k', () => {
    const rng = new SeededRng(seed + 1);
    const logits = randomLogits(500, rng);
    const top = [...logits.keys()].sort((a, b) => (logits[b] as number) - (logits[a] as number)).slice(0, 5);
    for (let i = 0; i < 300; i++) expect(top).toContain(sampleToken(logits, [], { ...neutral, topK: 5 }, rng));
  });

  it('only draws from the top-p nucleus and above min-p', () => {
    const rng = new SeededRng(seed + 2);
    const logits = Float32Array.from([5, 4, 0, -1, -2]); // p ≈ .72, .26, .005, …
    for (let i = 0; i < 300; i++) expect([0, 1]).toContain(sampleToken(logits, [], { ...neutral, topP: 0.9 }, rng));
    for (let i = 0; i < 300; i++) expect([0, 1]).toContain(sampleToken(logits, [], { ...neutral, minP: 0.1 }, rng));
  });

  it('follows the softmax at temperature 1 (chi-square on 20,000 draws)', () => {
    const rng = new SeededRng(seed + 3);
    const logits = Float32Array.from([1, 0.5, 0, -0.5, -1]);
    const z = logits.reduce((s, l) => s + Math.exp(l), 0);
    const counts = new Array(5).fill(0);
    const draws = 20_000;
    for (let i = 0; i < draws; i++) counts[sampleToken(logits, [], neutral, rng)]++;
    const chi2 = counts.reduce((s, c, i) => {
      const e = (draws * Math.exp(logits[i] as number)) / z;
      return s + (c - e) ** 2 / e;
    }, 0);
    expect(chi2).toBeLessThan(18.5); // 4 degrees of freedom, p = 0.001
  });

  it('penalises repeated tokens', () => {
    const logits = Float32Array.from([2, 1.9, -1]);
    const rng = new SeededRng(seed);
    expect(sampleToken(logits, [0], { ...neutral, temperature: 0, repeatPenalty: 1.1 }, rng)).toBe(1);
    expect(sampleToken(logits, [0, 0], { ...neutral, temperature: 0, frequencyPenalty: 0.06 }, rng)).toBe(1);
    expect(sampleToken(logits, [0], { ...neutral, temperature: 0, presencePenalty: 0.2 }, rng)).toBe(1);
    // Outside the window the penalty does not apply.
    expect(sampleToken(logits, [0, 2, 2], { ...neutral, temperature: 0, repeatPenalty: 1.1, penaltyLastN: 2 }, rng)).toBe(0);
  });

  it('gives the same draws for the same seed', () => {
    const logits = randomLogits(100, new SeededRng(seed + 4));
    const run = () => {
      const rng = new SeededRng(1234);
      return Array.from({ length: 50 }, () => sampleToken(logits, [], { ...neutral, topK: 20 }, rng));
    };
    expect(run()).toEqual(run());
  });
});
