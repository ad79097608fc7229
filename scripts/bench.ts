/**
 * `npm run bench`: the decoder next to llama.cpp on the same GGUF file, the
 * same prompt and the same thread count, in one run. Prints prompt and
 * generation speed for both and the ratios (ours / llama.cpp; > 1 is faster).
 * The TinyLlama-1.1B-shaped Q4_0 model is written once by make-tiny-model into
 * the OS temp directory.
 *
 *   npm run bench -- [--threads N] [--prompt-sentences N] [--tokens N] [--runs N] [--type T] [--vision]
 *
 * --vision also times image encoding with a CLIP ViT-L/14-336-shaped F16 mmproj
 * (written once next to the text model) in both visionCompat modes. There is
 * no llama.cpp to compare it with here: node-llama-cpp has no image input, and
 * the llama.cpp inside @fugood/llama.node is a portable build without AVX.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Command } from 'commander';

import { LlavaModel } from '../lib/LlavaModel.js';
import { runOracle } from '../test/oracles/runOracle.js';
import { TEXT_PRESETS, VISION_PRESETS } from './tiny-model/presets.js';
import { writeTextModel } from './tiny-model/textModel.js';
import { writeVisionModel } from './tiny-model/visionModel.js';

const o = new Command('bench')
  .option('--threads <n>', 'threads for both engines', Number, 2)
  .option('--prompt-sentences <n>', 'prompt length: repeats of a 23-token sentence (6: 140 tokens; 28: 646, about a LLaVA image prompt)', Number, 6)
  .option('--tokens <n>', 'tokens to generate', Number, 32)
  .option('--runs <n>', 'runs per engine (the best is reported)', Number, 3)
  .option('--type <type>', 'weight type of the TinyLlama-shaped model', 'Q4_0')
  .option('--vision', 'also time image encoding (CLIP ViT-L/14-336-shaped F16 mmproj)', false)
  .parse()
  .opts();

const vocab = join(import.meta.dirname, '..', '..', 'shared', 'fixtures', 'ggml-vocab-llama-spm.gguf');
const path = join(tmpdir(), `llava-bench-tinyllama-${o.type}.gguf`);
if (!existsSync(path)) {
  console.log(`writing ${path} …`);
  await writeTextModel(path, { ...TEXT_PRESETS['tinyllama-1.1b'], name: 'bench-tinyllama', vocab, weightType: o.type, tiedOutput: false, seed: 1, ggufVersion: 3 });
}
const prompt = 'Once upon a time there was a little girl named Lily who loved to play in the park with her friends. '.repeat(o.promptSentences);

interface Run {
  promptTokens: number;
  promptMs: number;
  generatedTokens: number;
  generateMs: number;
}

const best = (runs: Run[]) => ({
  prompt: Math.max(...runs.map((r) => r.promptTokens / (r.promptMs / 1000))),
  generate: Math.max(...runs.map((r) => r.generatedTokens / (r.generateMs / 1000))),
  promptTokens: runs[0]!.promptTokens,
});

const theirs = best(await runOracle<Run[]>('../../scripts/bench/llamaCppTimings.mjs', { model: path, prompt, tokens: o.tokens, threads: o.threads, runs: o.runs }, 1_800_000));

const model = await LlavaModel.load({ model: path, threads: o.threads, contextSize: 1024 });
const ourRuns: Run[] = [];
for (let i = 0; i < o.runs; i++) {
  await model.evaluate([1]); // start each run from an empty cache (no prefix reuse)
  const r = await model.generate({ prompt, raw: true, maxTokens: o.tokens, temperature: 0 });
  ourRuns.push({ promptTokens: r.promptTokens.length, promptMs: r.timings.promptMs, generatedTokens: r.tokens.length - 1, generateMs: r.timings.generateMs });
}
await model.dispose();
const ours = best(ourRuns);

console.log(`TinyLlama-1.1B-shaped ${o.type}, ${o.threads} threads, prompt ${ours.promptTokens} tokens, ${o.tokens} generated`);
console.log(`| | prompt tok/s | generate tok/s |`);
console.log(`|---|---:|---:|`);
console.log(`| llava-node | ${ours.prompt.toFixed(1)} | ${ours.generate.toFixed(2)} |`);
console.log(`| llama.cpp (node-llama-cpp 3.21.1) | ${theirs.prompt.toFixed(1)} | ${theirs.generate.toFixed(2)} |`);
console.log(`| ratio | ${(ours.prompt / theirs.prompt).toFixed(2)} | ${(ours.generate / theirs.generate).toFixed(2)} |`);

if (o.vision) {
  const mmproj = join(tmpdir(), 'llava-bench-clip-vit-l-336-F16.gguf');
  if (!existsSync(mmproj)) {
    console.log(`writing ${mmproj} …`);
    await writeVisionModel(mmproj, {
      ...VISION_PRESETS['clip-vit-l-336'],
      name: 'bench-clip',
      projectionDim: TEXT_PRESETS['tinyllama-1.1b'].nEmbd,
      weightType: 'F16',
      seed: 2,
      ggufVersion: 3,
    });
  }
  console.log(`\nImage encoding, CLIP ViT-L/14-336-shaped F16, ${o.threads} threads, 336×336 input, best of ${o.runs}`);
  console.log('| visionCompat | ms per image |');
  console.log('|---|---:|');
  for (const visionCompat of ['reference', 'llama.cpp'] as const) {
    const vision = await LlavaModel.load({ model: path, mmproj, visionCompat, threads: o.threads, contextSize: 1024 });
    let bestMs = Infinity;
    for (let i = 0; i < o.runs; i++) {
      // A different image each run: the encoder caches by content.
      const data = Uint8Array.from({ length: 336 * 336 * 3 }, (_, k) => (k * 7 + i * 13) & 255);
      const start = performance.now();
      await vision.encodeImage({ data, width: 336, height: 336 });
      bestMs = Math.min(bestMs, performance.now() - start);
    }
    await vision.dispose();
    console.log(`| ${visionCompat} | ${bestMs.toFixed(0)} |`);
  }
}
