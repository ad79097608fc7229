/** LlavaModel.load on unusable inputs: typed errors that name the file, nothing loaded half-way. */
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { GgufError, InvalidArgumentError, LlavaError, NoBinaryError } from '../../lib/errors.js';
import { LlavaModel } from '../../lib/LlavaModel.js';
import { loadAddon } from '../../lib/native/loadAddon.js';
import { TEXT_PRESETS, VISION_PRESETS } from '../../scripts/tiny-model/presets.js';
import { writeTextModel } from '../../scripts/tiny-model/textModel.js';
import { writeVisionModel } from '../../scripts/tiny-model/visionModel.js';
import { fixture, scratchDir } from '../support/paths.js';

const golden = (...p: string[]) => fixture('golden', 'llava-tiny', ...p);

describe('LlavaModel.load', () => {
  it('rejects a vocab-only file (no weights) with GgufError naming it', async () => {
    const path = fixture('ggml-vocab-llama-spm.gguf');
    await expect(LlavaModel.load({ model: path })).rejects.toMatchObject({ code: 'GGUF_NOT_FOUND', path });
  });

  it('rejects an mmproj given as the text model', async () => {
    const path = golden('tiny-mmproj-f16.gguf');
    const error = await LlavaModel.load({ model: path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GgufError);
    expect((error as GgufError).path).toBe(path);
  });

  it('rejects an mmproj whose projector width differs from the text model', async () => {
    const dir = await scratchDir('load');
    const mmproj = join(dir, 'wide-mmproj.gguf');
    await writeVisionModel(mmproj, { ...VISION_PRESETS.tiny, name: 'wide', projectionDim: 128, weightType: 'F16', seed: 5, ggufVersion: 3 });
    const error = await LlavaModel.load({ model: golden('tiny-llama-f16.gguf'), mmproj, threads: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlavaError);
    expect((error as LlavaError).code).toBe('MODEL_MISMATCH');
  });

  it("rejects weights the 'llama.cpp-portable' numerics cannot multiply, naming the tensor", async () => {
    const dir = await scratchDir('load');
    const path = join(dir, 'q4_0.gguf');
    await writeTextModel(path, { ...TEXT_PRESETS.tiny, name: 'q4_0', vocab: fixture('stories260K.gguf'), weightType: 'Q4_0', tiedOutput: false, seed: 3, ggufVersion: 3 });
    const error = await LlavaModel.load({ model: path, numerics: 'llama.cpp-portable', threads: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/'llama\.cpp-portable' numerics take F32, F16, Q8_0, Q4_K and Q6_K weights; output\.weight is Q4_0/);
    await expect(LlavaModel.load({ model: path, numerics: 'portable' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('rejects bad options before touching the file', async () => {
    await expect(LlavaModel.load({ model: golden('tiny-llama-f16.gguf'), threads: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(LlavaModel.load({ model: golden('tiny-llama-f16.gguf'), contextSize: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(
      LlavaModel.load({ model: golden('tiny-llama-f16.gguf'), visionCompat: 'fast' as 'reference' }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  const gpu = (() => {
    try {
      loadAddon('cuda');
      return true;
    } catch {
      return false;
    }
  })();
  it(gpu ? "loads with device 'cuda' on this GPU machine" : "rejects device 'cuda' without a usable GPU, saying why", async () => {
    const loading = LlavaModel.load({ model: golden('tiny-llama-f16.gguf'), device: 'cuda' });
    if (gpu) {
      await (await loading).dispose();
      return;
    }
    const error = await loading.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoBinaryError);
    expect((error as Error).message).toMatch(/CUDA addon/);
  });
});
