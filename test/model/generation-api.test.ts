/**
 * The generation API's behaviour: stop strings, seed determinism, streaming,
 * context overflow, queued concurrent calls, abort during prefill and during
 * decode (prompt, and the model stays usable), dispose.
 */
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ContextOverflowError, DisposedError } from '../../lib/errors.js';
import { LlavaModel } from '../../lib/LlavaModel.js';
import { writeTextModel } from '../../scripts/tiny-model/textModel.js';
import { fixture, scratchDir } from '../support/paths.js';

let stories: LlavaModel;
beforeAll(async () => {
  stories = await LlavaModel.load({ model: fixture('stories260K.gguf'), threads: 2, contextSize: 512 });
});
afterAll(async () => {
  await stories?.dispose();
});

const greedy = { raw: true, temperature: 0 } as const;

describe('generation', () => {
  it('stops before a stop string and reports it', async () => {
    const full = await stories.generate({ ...greedy, prompt: 'Once upon a time', maxTokens: 20 });
    expect(full.text).toContain(' Lily');
    const cut = await stories.generate({ ...greedy, prompt: 'Once upon a time', maxTokens: 20, stop: [' Lily'] });
    expect(cut.finishReason).toBe('stop');
    expect(cut.text).toBe(full.text.slice(0, full.text.indexOf(' Lily')));
  });

  it('streams the same text and tokens as generate()', async () => {
    const whole = await stories.generate({ ...greedy, prompt: 'Once upon a time', maxTokens: 24 });
    let text = '';
    const tokens: number[] = [];
    const stream = stories.stream({ ...greedy, prompt: 'Once upon a time', maxTokens: 24 });
    for (;;) {
      const step = await stream.next();
      if (step.done) {
        expect(step.value.finishReason).toBe('length');
        break;
      }
      text += step.value.text;
      if (step.value.token !== undefined) tokens.push(step.value.token);
    }
    expect(text).toBe(whole.text);
    expect(tokens).toEqual(whole.tokens);
  });

  it('is deterministic for a seed and varies across seeds', async () => {
    const sample = (seed: number) => stories.generate({ prompt: 'Once upon a time', raw: true, maxTokens: 40, temperature: 1, topK: 0, topP: 1, minP: 0, seed });
    const a = await sample(42);
    const b = await sample(42);
    expect(b.tokens).toEqual(a.tokens);
    const others = await Promise.all([1, 2, 3].map(sample));
    expect(others.some((r) => r.tokens.join() !== a.tokens.join())).toBe(true);
  });

  it('reuses the cached prefix of a follow-up prompt', async () => {
    await stories.generate({ ...greedy, prompt: 'Once upon a time', maxTokens: 4 });
    const again = await stories.generate({ ...greedy, prompt: 'Once upon a time, there', maxTokens: 4 });
    expect(again.timings.promptTokens).toBeLessThan(again.promptTokens.length);
    const fresh = await LlavaModel.load({ model: fixture('stories260K.gguf'), threads: 1 });
    const reference = await fresh.generate({ ...greedy, prompt: 'Once upon a time, there', maxTokens: 4 });
    await fresh.dispose();
    expect(again.tokens).toEqual(reference.tokens);
  });

  it('rejects a prompt longer than the context, and stops at a full context', async () => {
    const small = await LlavaModel.load({ model: fixture('stories260K.gguf'), threads: 1, contextSize: 16 });
    try {
      await expect(small.generate({ ...greedy, prompt: 'Once upon a time there was a girl who loved to play in the park', maxTokens: 4 })).rejects.toBeInstanceOf(
        ContextOverflowError,
      );
      const filled = await small.generate({ ...greedy, prompt: 'Once upon a time', maxTokens: 100 });
      expect(filled.finishReason).toBe('context');
      expect(filled.promptTokens.length + filled.tokens.length).toBe(16 + 1); // the last token is sampled, not evaluated
    } finally {
      await small.dispose();
    }
  });

  it('queues concurrent calls instead of mixing them', async () => {
    const prompts = ['Once upon a time', 'The little dog', 'Lily and Ben', 'One day'];
    const sequential = [];
    for (const prompt of prompts) sequential.push((await stories.generate({ ...greedy, prompt, maxTokens: 16 })).tokens);
    const concurrent = await Promise.all(prompts.map((prompt) => stories.generate({ ...greedy, prompt, maxTokens: 16 })));
    expect(concurrent.map((r) => r.tokens)).toEqual(sequential);
  });

  it('throws DisposedError after dispose', async () => {
    const model = await LlavaModel.load({ model: fixture('stories260K.gguf'), threads: 1 });
    await model.dispose();
    await model.dispose(); // idempotent
    await expect(model.generate({ prompt: 'x', raw: true })).rejects.toBeInstanceOf(DisposedError);
  });
});

describe('abort', () => {
  let big: LlavaModel;
  beforeAll(async () => {
    // Wide enough that a long prompt takes seconds, so an abort lands mid-prefill.
    const dir = await scratchDir('abort');
    const path = join(dir, 'slow.gguf');
    await writeTextModel(path, {
      nEmbd: 1024,
      nFf: 2816,
      nLayer: 8,
      nHead: 16,
      nHeadKv: 16,
      nCtx: 2048,
      ropeBase: 10000,
      rmsEps: 1e-5,
      name: 'slow',
      vocab: fixture('stories260K.gguf'),
      weightType: 'F16',
      tiedOutput: false,
      seed: 3,
      ggufVersion: 3,
    });
    big = await LlavaModel.load({ model: path, threads: 2, contextSize: 2048 });
  });
  afterAll(async () => {
    await big?.dispose();
  });

  const longPrompt = 'Once upon a time there was a little girl named Lily. '.repeat(60);

  it('stops prefill promptly with signal.reason and leaves the model usable', async () => {
    const before = await big.generate({ ...greedy, prompt: 'Lily', maxTokens: 8 });
    const controller = new AbortController();
    const reason = new Error('stop now');
    const started = performance.now();
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = performance.now();
      controller.abort(reason);
    }, 300);
    await expect(big.generate({ ...greedy, prompt: longPrompt, maxTokens: 8, signal: controller.signal })).rejects.toBe(reason);
    const latency = performance.now() - abortedAt;
    console.log(`abort during prefill: rejected ${latency.toFixed(1)} ms after abort() (${(abortedAt - started).toFixed(0)} ms into the call)`);
    const after = await big.generate({ ...greedy, prompt: 'Lily', maxTokens: 8 });
    expect(after.tokens).toEqual(before.tokens);
  });

  it('stops decoding promptly and leaves the model usable', async () => {
    const controller = new AbortController();
    const reason = new Error('enough');
    const tokens: number[] = [];
    let abortedAt = 0;
    const run = (async () => {
      for await (const chunk of big.stream({ ...greedy, prompt: 'Lily', maxTokens: 1000, signal: controller.signal })) {
        if (chunk.token !== undefined) tokens.push(chunk.token);
        if (tokens.length === 5) {
          abortedAt = performance.now();
          controller.abort(reason);
        }
      }
    })();
    await expect(run).rejects.toBe(reason);
    console.log(`abort during decode: rejected ${(performance.now() - abortedAt).toFixed(1)} ms after abort(), after ${tokens.length} tokens`);
    expect(tokens.length).toBe(5);
    const after = await big.generate({ ...greedy, prompt: 'Lily', maxTokens: 5 });
    expect(after.tokens).toEqual(tokens);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const reason = new Error('too late');
    await expect(big.generate({ prompt: 'Lily', raw: true, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});
