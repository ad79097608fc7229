/**
 * llama.cpp accepts what GgufWriter and make-tiny-model write:
 *  - the real stories260K model, re-encoded by our writer and quantizer, still
 *    produces llama.cpp's own known greedy continuation (tokens.json);
 *  - a synthetic text model in every format loads and generates through
 *    node-llama-cpp@3.21.1;
 *  - synthetic LLaVA pairs (legacy mmproj layout) run through
 *    @fugood/llama.node@1.7.15 with an image, which it turns into 576 positions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { GgufFile } from '../../lib/gguf/GgufFile.js';
import { GgufWriter } from '../../lib/gguf/GgufWriter.js';
import { tensorTypeByName } from '../../lib/gguf/tensorTypes.js';
import { TEXT_PRESETS, VISION_PRESETS } from '../../scripts/tiny-model/presets.js';
import { writeTextModel } from '../../scripts/tiny-model/textModel.js';
import { writeVisionModel } from '../../scripts/tiny-model/visionModel.js';
import { fixture, scratchDir } from '../support/paths.js';
import { runOracle } from './runOracle.js';

interface TextRun {
  model: string;
  promptTokens: number[];
  tokens: number[];
  text: string;
}

interface MultimodalPair {
  model: string;
  mmproj: string;
  runs: { image: string; promptTokens: number[]; pieces: string[]; text: string; tokensPredicted: number }[];
}

const THREADS = 2;
let dir: string;
beforeAll(async () => {
  dir = await scratchDir('oracles');
});

/** Re-encodes every matrix of `source` whose rows fit `type`'s blocks; vectors and the rest stay F32. */
async function reencode(sourcePath: string, type: string, outPath: string): Promise<void> {
  const source = await GgufFile.open(sourcePath);
  const blockSize = tensorTypeByName(type).blockSize;
  const w = new GgufWriter();
  for (const key of source.keys()) w.set(key, source.getTyped(key)!);
  for (const t of source.tensors) {
    const fits = t.shape.length === 2 && (t.shape[0] as number) % blockSize === 0;
    w.addTensor({ name: t.name, type: fits ? type : 'F32', shape: t.shape, data: await source.dequantize(t.name) });
  }
  source.close();
  await w.write(outPath);
}

describe('node-llama-cpp (llama.cpp text) accepts our files', () => {
  const golden = JSON.parse(readFileSync(fixture('golden/stories260K/tokens.json'), 'utf8')) as {
    prompt_ids: number[];
    generated_ids: number[];
  };

  it('stories260K re-encoded as F32, F16 and Q8_0 still gives llama.cpp’s known greedy text', async () => {
    const models: string[] = [];
    for (const type of ['F32', 'F16', 'Q8_0']) {
      const path = join(dir, `stories260K-${type}.gguf`);
      await reencode(fixture('stories260K.gguf'), type, path);
      models.push(path);
    }
    const runs = await runOracle<TextRun[]>('nodeLlamaCppGenerate.mjs', { models, prompt: 'Once upon a time', tokens: 32, threads: THREADS });
    for (const run of runs) {
      expect(run.promptTokens).toEqual(golden.prompt_ids);
      expect(run.tokens, run.model).toEqual(golden.generated_ids.slice(0, 32));
    }
  });

  const formats = ['F32', 'F16', 'BF16', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_NL', 'IQ4_XS', 'Q4_K_M'];
  it(`synthetic text models in ${formats.length} formats load and generate`, async () => {
    const models: string[] = [];
    for (const [i, weightType] of formats.entries()) {
      const path = join(dir, `text-${weightType}.gguf`);
      await writeTextModel(path, {
        ...TEXT_PRESETS.tiny,
        nCtx: 512,
        name: `text-${weightType}`,
        vocab: fixture('stories260K.gguf'), // a small real vocabulary keeps token_embd small
        weightType,
        tiedOutput: i % 2 === 1, // both output layouts
        seed: 11 + i,
        ggufVersion: i % 3 === 2 ? 2 : 3, // both versions
      });
      models.push(path);
    }
    const runs = await runOracle<TextRun[]>('nodeLlamaCppGenerate.mjs', { models, prompt: 'Once upon a time', tokens: 16, threads: THREADS });
    expect(runs.length).toBe(formats.length);
    for (const run of runs) {
      expect(run.promptTokens.slice(0, 5)).toEqual(golden.prompt_ids); // our copied tokenizer tokenizes like the original
      expect(run.tokens.length, run.model).toBe(16);
      for (const token of run.tokens) expect(token >= 0 && token < 512, run.model).toBe(true);
    }
  });
});

describe('@fugood/llama.node (llama.cpp mtmd) runs our LLaVA pairs', () => {
  it('F16/F16 and Q8_0/Q8_0 pairs: the image becomes 576 positions and generation runs', async () => {
    const pairs: { model: string; mmproj: string }[] = [];
    for (const [i, type] of ['F16', 'Q8_0'].entries()) {
      const model = join(dir, `llava-${type}.gguf`);
      const mmproj = join(dir, `llava-${type}-mmproj.gguf`);
      await writeTextModel(model, {
        ...TEXT_PRESETS.tiny,
        name: `llava-${type}`,
        vocab: fixture('ggml-vocab-llama-spm.gguf'),
        weightType: type,
        tiedOutput: false,
        seed: 21 + i,
        ggufVersion: 3,
      });
      await writeVisionModel(mmproj, {
        ...VISION_PRESETS.tiny,
        name: `llava-${type}-mmproj`,
        projectionDim: TEXT_PRESETS.tiny.nEmbd,
        weightType: type,
        seed: 31 + i,
        ggufVersion: 3,
      });
      pairs.push({ model, mmproj });
    }
    const results = await runOracle<MultimodalPair[]>('llamaNodeGreedyImages.mjs', {
      pairs,
      images: [fixture('golden/llava-tiny/test.png')],
      prompt: 'USER: <__media__>\nWhat is in the image?\nASSISTANT:',
      tokens: 8,
      threads: THREADS,
    });
    expect(results.length).toBe(pairs.length); // initMultimodal accepted every mmproj
    for (const { mmproj, runs } of results) {
      const [run] = runs;
      // (336 / 14)² = 576 image positions, marked -1 among the prompt ids.
      expect(run!.promptTokens.filter((t) => t === -1).length, mmproj).toBe(576);
      expect(run!.tokensPredicted, mmproj).toBe(8);
      expect(run!.pieces.length).toBe(8);
    }
  });
});
