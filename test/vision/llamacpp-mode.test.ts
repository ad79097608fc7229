/**
 * visionCompat 'llama.cpp' against llama.cpp itself (mtmd in
 * @fugood/llama.node@1.7.15): synthetic LLaVA-1.5 pairs (mmproj F16 / Q8_0 ×
 * text F16 / Q8_0 / Q4_K_M) on square, wide and tall PNGs — the encoder's
 * input and output through mtmd's C API, and greedy generation from the same
 * raw prompt through llama.node's JS API. Where a run diverges, the step and
 * our top-2 logit gap there are printed.
 */
import { join } from 'node:path';

import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';

import { GgufFile } from '../../lib/gguf/GgufFile.js';
import { decodeImage } from '../../lib/image/decodeImage.js';
import { llamaCppFitSize, preprocessLlamaCpp } from '../../lib/image/preprocessLlamaCpp.js';
import { createRgbImage } from '../../lib/image/RgbImage.js';
import { LlavaModel } from '../../lib/LlavaModel.js';
import { cpuAddon } from '../../lib/native/loadAddon.js';
import { tensorTypeByName } from '../../lib/gguf/tensorTypes.js';
import { TEXT_PRESETS, VISION_PRESETS } from '../../scripts/tiny-model/presets.js';
import { writeTextModel } from '../../scripts/tiny-model/textModel.js';
import { writeVisionModel } from '../../scripts/tiny-model/visionModel.js';
import { mtmdImageEmbeddings } from '../oracles/mtmdOracle.js';
import { runOracle } from '../oracles/runOracle.js';
import { fixture, scratchDir } from '../support/paths.js';

const THREADS = 2;
const TOKENS = 12;
const PROMPT = 'USER: <image>\nWhat is in the image?\nASSISTANT:';
const TEXT_TYPES = ['F16', 'Q8_0', 'Q4_K_M'] as const;
const MMPROJ_TYPES = ['F16', 'Q8_0'] as const;
const IMAGES = { square: [200, 200], wide: [400, 150], tall: [120, 300] } as const;
/**
 * llama.node's text context runs llama.cpp's classic attention (loadModel's flash_attn_type 'off';
 * its default 'auto' turns flash attention on for the CPU): the path our decoder reproduces. mtmd's
 * vision tower always uses flash attention (llama.node offers no option), which the portable
 * numerics reproduce.
 */
const FLASH_ATTENTION = 'off';

interface OracleRun {
  image: string;
  promptTokens: number[];
  pieces: string[];
  text: string;
}
interface OraclePair {
  model: string;
  mmproj: string;
  runs: OracleRun[];
}

/** Difference between the largest and second largest logit. */
function topTwoGap(logits: Float32Array): number {
  let first = -Infinity;
  let second = -Infinity;
  for (const l of logits) {
    if (l > first) [first, second] = [l, first];
    else if (l > second) second = l;
  }
  return first - second;
}

let dir: string;
const images: string[] = [];
const pairs: { model: string; mmproj: string; label: string }[] = [];

/** An RGB test card: diagonal colour gradients, a filled disc and a dark bar, so every resize detail shows. */
async function writeImage(path: string, width: number, height: number): Promise<void> {
  const data = Buffer.alloc(width * height * 3);
  const cx = width * 0.6;
  const cy = height * 0.4;
  const r = Math.min(width, height) * 0.25;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      let rgb = [(255 * x) / width, (255 * y) / height, (255 * (x + y)) / (width + height)];
      if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) rgb = [240, 200, 30];
      if (y > height * 0.7 && y < height * 0.8 && x > width * 0.1) rgb = [20, 30, 90];
      data.set(rgb.map(Math.round), o);
    }
  }
  await sharp(data, { raw: { width, height, channels: 3 } }).png().toFile(path);
}

beforeAll(async () => {
  dir = await scratchDir('llamacpp-mode');
  for (const [name, [width, height]] of Object.entries(IMAGES)) {
    const path = join(dir, `${name}.png`);
    await writeImage(path, width, height);
    images.push(path);
  }
  for (const [i, type] of MMPROJ_TYPES.entries()) {
    await writeVisionModel(join(dir, `mmproj-${type}.gguf`), {
      ...VISION_PRESETS.tiny,
      name: `mmproj-${type}`,
      projectionDim: TEXT_PRESETS.tiny.nEmbd,
      weightType: type,
      seed: 61 + i,
      ggufVersion: 3,
    });
  }
  for (const [i, type] of TEXT_TYPES.entries()) {
    await writeTextModel(join(dir, `text-${type}.gguf`), {
      ...TEXT_PRESETS.tiny,
      name: `text-${type}`,
      vocab: fixture('ggml-vocab-llama-spm.gguf'),
      weightType: type,
      tiedOutput: false,
      seed: 71 + i,
      ggufVersion: 3,
    });
  }
  for (const text of TEXT_TYPES) {
    for (const mmproj of MMPROJ_TYPES) {
      pairs.push({ model: join(dir, `text-${text}.gguf`), mmproj: join(dir, `mmproj-${mmproj}.gguf`), label: `text ${text} / mmproj ${mmproj}` });
    }
  }
});

describe('llama.cpp preprocessing geometry', () => {
  it('fits the original image into the square with ceil, keeping the aspect ratio', () => {
    expect(llamaCppFitSize(200, 200, 336)).toEqual({ width: 336, height: 336 });
    expect(llamaCppFitSize(400, 150, 336)).toEqual({ width: 336, height: 126 });
    expect(llamaCppFitSize(120, 300, 336)).toEqual({ width: 135, height: 336 });
    expect(llamaCppFitSize(1000, 3, 336)).toEqual({ width: 336, height: 2 });
  });

  it('pads centred on (122, 116, 104), normalised with the given mean/std', () => {
    const image = createRgbImage(4, 2);
    image.data.fill(255);
    const mean = [0.5, 0.5, 0.5];
    const std = [0.5, 0.5, 0.5];
    const out = preprocessLlamaCpp(image, { size: 8, mean, std });
    // 4×2 → 8×4 at rows 2..5; rows 0, 1, 6, 7 are padding.
    const level = (v: number) => Math.fround(Math.fround(Math.fround(v / 255) - 0.5) / 0.5);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 8; y++) {
        const expected = y >= 2 && y < 6 ? level(255) : level([122, 116, 104][c]!);
        for (let x = 0; x < 8; x++) expect(out[c * 64 + y * 8 + x]).toBe(expected);
      }
    }
  });
});

/** Values rounded to f16 (llama.cpp's patch convolution reads its input in f16). */
async function roundToF16(values: Float32Array): Promise<Float32Array> {
  const f16 = tensorTypeByName('F16').id;
  const addon = cpuAddon();
  return addon.dequantize(f16, await addon.quantize(f16, values, values.length), values.length);
}

/** Planar [3][size][size] pixels in im2col order: [patch][channel][ky][kx]. */
function im2col(pixels: Float32Array, size: number, patch: number): Float32Array {
  const grid = size / patch;
  const out = new Float32Array(pixels.length);
  let o = 0;
  for (let py = 0; py < grid; py++) {
    for (let px = 0; px < grid; px++) {
      for (let c = 0; c < 3; c++) {
        for (let ky = 0; ky < patch; ky++) {
          for (let kx = 0; kx < patch; kx++) out[o++] = pixels[c * size * size + (py * patch + ky) * size + px * patch + kx]!;
        }
      }
    }
  }
  return out;
}

function relativeError(ours: Float32Array, theirs: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < theirs.length; i++) {
    num += (ours[i]! - theirs[i]!) ** 2;
    den += theirs[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

/**
 * Stage by stage against llama.cpp's own mtmd, called through the C API in
 * llama.node's native module. Asserted, per mmproj type and image:
 *  - the encoder input is identical (after the f16 rounding llama.cpp applies);
 *  - numerics 'llama.cpp-portable' (llama.node's linux-x64 binary is llama.cpp's
 *    portable x86-64 build) gives identical image embeddings, bit for bit;
 *  - the default numerics, which follow llama.cpp's AVX2/AVX-512 builds, stay
 *    close: within 1e-3 relative for an F16 mmproj (measured ~4e-4: other sum
 *    orders, turned into f16 steps by the GELU tables) and 2e-2 for Q8_0
 *    (measured 4e-3…1e-2: the builds also round 8-bit activations differently —
 *    x·(1/d) half away from zero in the portable one, x·(127/max) half to even
 *    in the AVX ones).
 */
const EMBEDDING_TOLERANCE = { F16: 1e-3, Q8_0: 2e-2 } as const;
describe("visionCompat 'llama.cpp' encodes images as llama.cpp's mtmd does", () => {
  it.each(MMPROJ_TYPES.map((t) => [t] as const))('mmproj %s: pixels and embeddings identical', async (mmprojType) => {
    const mmproj = join(dir, `mmproj-${mmprojType}.gguf`);
    const textModel = join(dir, 'text-F16.gguf');
    const file = await GgufFile.open(mmproj);
    const mean = Array.from(file.get('clip.vision.image_mean') as ArrayLike<number>);
    const std = Array.from(file.get('clip.vision.image_std') as ArrayLike<number>);
    const size = Number(file.get('clip.vision.image_size'));
    const patch = Number(file.get('clip.vision.patch_size'));
    file.close();
    const load = (numerics: 'llama.cpp' | 'llama.cpp-portable') =>
      LlavaModel.load({ model: textModel, mmproj, visionCompat: 'llama.cpp', numerics, threads: THREADS });
    const [portable, native] = [await load('llama.cpp-portable'), await load('llama.cpp')];
    try {
      for (const [i, path] of images.entries()) {
        const label = `mmproj ${mmprojType}, ${Object.keys(IMAGES)[i]}`;
        const image = await decodeImage(path);
        const theirs = await mtmdImageEmbeddings(textModel, mmproj, image);
        const ourPixels = im2col(await roundToF16(preprocessLlamaCpp(image, { size, mean, std })), size, patch);
        const differing = (a: Float32Array, b: Float32Array) => a.reduce((n, v, k) => n + (Object.is(v, b[k]) ? 0 : 1), 0);
        const pixelsDiffering = differing(ourPixels, theirs.pixels);
        const exact = (await portable.encodeImage(path)).rows;
        const close = (await native.encodeImage(path)).rows;
        const exactDiffering = differing(exact, theirs.embeddings);
        const error = relativeError(close, theirs.embeddings);
        console.log(
          `${label}: encoder inputs differing ${pixelsDiffering}/${ourPixels.length}; embeddings differing ` +
            `${exactDiffering}/${exact.length} ('llama.cpp-portable'), relative error ${error.toExponential(2)} ('llama.cpp')`,
        );
        expect(theirs.pixels.length, label).toBe(ourPixels.length);
        expect(pixelsDiffering, label).toBe(0);
        expect(exact.length, label).toBe(theirs.embeddings.length);
        expect(exactDiffering, label).toBe(0);
        expect(error, label).toBeLessThan(EMBEDDING_TOLERANCE[mmprojType]);
      }
    } finally {
      await portable.dispose();
      await native.dispose();
    }
  });
});

/** Greedy pieces, the prompt ids and each step's logits for one pair and image in one compatibility mode. */
async function generateAll(pair: { model: string; mmproj: string }, visionCompat: 'reference' | 'llama.cpp') {
  // llama.node's linux-x64 binary is llama.cpp's portable x86-64 build: its arithmetic is 'llama.cpp-portable'.
  const numerics = visionCompat === 'llama.cpp' ? 'llama.cpp-portable' : 'reference';
  const model = await LlavaModel.load({ model: pair.model, mmproj: pair.mmproj, visionCompat, numerics, threads: THREADS });
  try {
    const runs = [];
    for (const image of images) {
      const result = await model.generate({ prompt: PROMPT, raw: true, images: [image], maxTokens: TOKENS, temperature: 0, returnLogits: true });
      const pieces = result.tokens.map((t) => Buffer.from(model.tokenizer.tokenToPiece(t)).toString('utf8'));
      runs.push({ pieces, promptTokens: result.promptTokens, logits: result.logits! });
    }
    return runs;
  } finally {
    await model.dispose();
  }
}

function commonPrefix(a: readonly string[], b: readonly string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/**
 * Greedy output identical to llama.cpp's, asserted for every pair and image:
 * 'llama.cpp' mode with the 'llama.cpp-portable' numerics computes what
 * llama.node's build computes, bit for bit (encoder above; decoder: its
 * matmuls, SSE2 exp, RoPE and classic attention), so near-ties, which random
 * tiny models have plenty of, fall the same way. The prompt, image positions
 * included, must tokenize identically; 'reference' mode is run too, to show
 * the comparison tells the two apart (it agrees on far fewer tokens).
 */
describe("visionCompat 'llama.cpp' generates what llama.cpp generates", () => {
  it(`6 pairs × ${Object.keys(IMAGES).length} images, ${TOKENS} greedy tokens`, async () => {
    const oracle = await runOracle<OraclePair[]>(
      'llamaNodeGreedyImages.mjs',
      { pairs, images, prompt: PROMPT.replace('<image>', '<__media__>'), tokens: TOKENS, threads: THREADS, flashAttention: FLASH_ATTENTION },
      600_000,
    );
    const divergences: { label: string; step: number; gap: number }[] = [];
    let agreedLlamaCpp = 0;
    let agreedReference = 0;
    for (const [p, pair] of pairs.entries()) {
      const ours = await generateAll(pair, 'llama.cpp');
      const reference = await generateAll(pair, 'reference');
      for (const [i, theirs] of oracle[p]!.runs.entries()) {
        const label = `${pair.label}, ${Object.keys(IMAGES)[i]}`;
        const run = ours[i]!;
        expect(run.promptTokens, label).toEqual(theirs.promptTokens);
        const common = commonPrefix(run.pieces, theirs.pieces);
        agreedLlamaCpp += common;
        agreedReference += commonPrefix(reference[i]!.pieces, theirs.pieces);
        if (common === theirs.pieces.length && run.pieces.length === theirs.pieces.length) {
          console.log(`${label}: identical (${common} tokens) ${JSON.stringify(theirs.text)}`);
        } else {
          const gap = topTwoGap(run.logits[common]!);
          divergences.push({ label, step: common, gap });
          console.log(
            `${label}: diverges at step ${common}: ours ${JSON.stringify(run.pieces.slice(common))}, ` +
              `llama.cpp ${JSON.stringify(theirs.pieces.slice(common))}; our top-2 logit gap there ${gap.toExponential(2)}`,
          );
        }
      }
    }
    const runs = pairs.length * images.length;
    console.log(
      `llama.cpp mode: ${runs - divergences.length}/${runs} runs identical; greedy tokens agreeing with llama.cpp: ` +
        `${agreedLlamaCpp} in llama.cpp mode, ${agreedReference} in reference mode (of ${runs * TOKENS})`,
    );
    expect(divergences).toEqual([]);
    expect(agreedReference).toBeLessThan(agreedLlamaCpp);
  });
});
