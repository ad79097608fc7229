/**
 * Builds and runs mtmdImageEmbeddings.cpp, the oracle that calls llama.cpp's
 * mtmd inside @fugood/llama.node's native module directly (its JS API returns
 * neither the encoder's input nor the image embeddings). Built once per test
 * process with the system C++ compiler the native addon needs anyway.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { repoRoot, scratchDir } from '../support/paths.js';

const run = promisify(execFile);
const packageDir = join(repoRoot, 'node_modules', '@fugood');
let binary: Promise<string> | undefined;

function build(): Promise<string> {
  binary ??= (async () => {
    const out = join(await scratchDir('mtmd-oracle'), 'mtmdImageEmbeddings');
    const sources = join(packageDir, 'llama.node', 'src', 'llama.cpp');
    const module = join(packageDir, 'node-llama-linux-x64');
    await run('g++', [
      '-std=c++17', '-O1', join(repoRoot, 'test', 'oracles', 'mtmdImageEmbeddings.cpp'),
      '-I', join(sources, 'include'), '-I', join(sources, 'ggml', 'include'),
      join(module, 'index.node'), '-Wl,--allow-shlib-undefined', `-Wl,-rpath,${module}`, '-o', out,
    ]);
    return out;
  })();
  return binary;
}

export interface MtmdImageResult {
  /** The patch convolution's input, [n_patches][3·p·p] in (channel, ky, kx) order, f16-rounded. */
  pixels: Float32Array;
  /** The image embeddings, [n_tokens][n_embd]. */
  embeddings: Float32Array;
}

async function readFloats(path: string): Promise<Float32Array> {
  const bytes = await readFile(path);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

/** llama.cpp's encoder input and image embeddings for an RGB image (HWC bytes). */
export async function mtmdImageEmbeddings(
  model: string,
  mmproj: string,
  image: { data: Uint8Array; width: number; height: number },
): Promise<MtmdImageResult> {
  const exe = await build();
  const dir = await scratchDir('mtmd-run');
  const rgb = join(dir, 'image.rgb');
  await writeFile(rgb, image.data);
  const prefix = join(dir, 'out');
  await run(exe, [model, mmproj, rgb, String(image.width), String(image.height), prefix], { maxBuffer: 64 << 20 });
  return { pixels: await readFloats(`${prefix}.pixels.f32`), embeddings: await readFloats(`${prefix}.embd.f32`) };
}
