/**
 * The vision half of a LLaVA model: decodes an image, preprocesses it as the
 * chosen compatibility mode prescribes, runs the CLIP tower and projector in
 * native code (off the JS thread) and caches the result by content, so a
 * second question about the same image skips the encoder.
 */
import { createHash } from 'node:crypto';

import { InvalidArgumentError, LlavaError, fromNativeError } from '../errors.js';
import { GgufFile } from '../gguf/GgufFile.js';
import { type DecodeImageOptions, type ImageInput, decodeImage } from '../image/decodeImage.js';
import { preprocessLlamaCpp } from '../image/preprocessLlamaCpp.js';
import { preprocessReference } from '../image/preprocessReference.js';
import type { NativeAddon, NativeVisionHandle, NativeVisionInfo, NativeVisionMode } from '../native/addonTypes.js';
import type { Numerics } from '../options.js';
import type { ImageEmbedding } from './ImageEmbedding.js';

/** 'reference': the original LLaVA semantics (default). 'llama.cpp': what llama.cpp computes, for matching it. */
export type VisionCompat = 'reference' | 'llama.cpp';

/** Embeddings kept for images seen recently (each is positions × width floats, ~9 MB for LLaVA-1.5-7B). */
const CACHE_ENTRIES = 8;

export class ImageEncoder {
  readonly info: Readonly<NativeVisionInfo>;
  readonly compat: VisionCompat;
  /** The tower's semantics and arithmetic: compat, and with 'llama.cpp' the portable build's arithmetic when asked for. */
  readonly #mode: NativeVisionMode;
  readonly #handle: NativeVisionHandle;
  readonly #path: string;
  readonly #mean: number[];
  readonly #std: number[];
  readonly #decodeOptions: DecodeImageOptions;
  readonly #cache = new Map<string, ImageEmbedding>();
  /** How many images went through the encoder, and how many were answered from the cache. */
  readonly stats = { encoded: 0, cacheHits: 0 };

  private constructor(
    path: string,
    handle: NativeVisionHandle,
    mean: number[],
    std: number[],
    compat: VisionCompat,
    numerics: Numerics,
    decodeOptions: DecodeImageOptions,
  ) {
    this.#path = path;
    this.#handle = handle;
    this.info = Object.freeze(handle.info());
    this.#mean = mean;
    this.#std = std;
    this.compat = compat;
    this.#mode = compat === 'llama.cpp' && numerics === 'llama.cpp-portable' ? 'llama.cpp-portable' : compat;
    this.#decodeOptions = decodeOptions;
  }

  static async load(
    addon: NativeAddon,
    path: string,
    threads: number,
    compat: VisionCompat,
    numerics: Numerics,
    decodeOptions: DecodeImageOptions,
  ): Promise<ImageEncoder> {
    if (compat !== 'reference' && compat !== 'llama.cpp') {
      throw new InvalidArgumentError(`visionCompat must be 'reference' or 'llama.cpp', got '${compat}'`);
    }
    const file = await GgufFile.open(path);
    let mean: number[];
    let std: number[];
    try {
      mean = Array.from(file.get('clip.vision.image_mean') as ArrayLike<number>);
      std = Array.from(file.get('clip.vision.image_std') as ArrayLike<number>);
    } finally {
      file.close();
    }
    if (mean.length !== 3 || std.length !== 3) {
      throw new LlavaError('MODEL_MISMATCH', `${path}: clip.vision.image_mean and image_std must hold 3 values`);
    }
    try {
      return new ImageEncoder(path, await addon.VisionHandle.load(path, threads), mean, std, compat, numerics, decodeOptions);
    } catch (error) {
      throw fromNativeError(error, path);
    }
  }

  /** The embedding of `input`, from the cache when the same pixels were encoded before. */
  async encode(input: ImageInput, signal?: AbortSignal): Promise<ImageEmbedding> {
    signal?.throwIfAborted();
    const image = await decodeImage(input, this.#decodeOptions);
    const key = createHash('sha256')
      .update(`${this.#mode}:${image.width}x${image.height}:`)
      .update(image.data)
      .digest('hex');
    const cached = this.#cache.get(key);
    if (cached) {
      this.stats.cacheHits++;
      this.#cache.delete(key); // most recently used goes last
      this.#cache.set(key, cached);
      return cached;
    }
    const options = { size: this.info.imageSize, mean: this.#mean, std: this.#std };
    const pixels = this.compat === 'llama.cpp' ? preprocessLlamaCpp(image, options) : preprocessReference(image, options);
    const onAbort = () => this.#handle.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let rows: Float32Array;
    try {
      signal?.throwIfAborted();
      rows = (await this.#handle.encode(pixels, this.#mode, false)).embeddings;
    } catch (error) {
      if ((error as { nativeCode?: string }).nativeCode === 'ABORTED' && signal?.aborted) throw signal.reason;
      throw fromNativeError(error, this.#path);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    this.stats.encoded++;
    const embedding: ImageEmbedding = Object.freeze({ rows, positions: this.info.nPatches, width: this.info.outputWidth, key });
    this.#cache.set(key, embedding);
    if (this.#cache.size > CACHE_ENTRIES) this.#cache.delete(this.#cache.keys().next().value as string);
    return embedding;
  }

  dispose(): void {
    this.#handle.dispose();
    this.#cache.clear();
  }
}
