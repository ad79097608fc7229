/**
 * Options of the public API, each with its default, and the one place the
 * defaults are filled in (so native code and the generation loop get flat,
 * complete settings).
 */
import { availableParallelism } from 'node:os';

import type { ChatMessage } from './chat/ChatMessage.js';
import type { ChatTemplateChoice } from './chat/selectTemplate.js';
import { InvalidArgumentError } from './errors.js';
import type { ImageInput } from './image/decodeImage.js';
import type { Device } from './native/loadAddon.js';
import type { ImageEmbedding } from './vision/ImageEmbedding.js';
import type { VisionCompat } from './vision/ImageEncoder.js';
import type { SamplingParams } from './sampling/sampleToken.js';

/** The arithmetic a model computes in (LoadOptions.numerics). */
export type Numerics = 'llama.cpp' | 'llama.cpp-portable' | 'reference';
const NUMERICS: readonly Numerics[] = ['llama.cpp', 'llama.cpp-portable', 'reference'];

export interface LoadOptions {
  /** Path of the text model GGUF (LLaMA-family). */
  model: string;
  /** Path of the vision tower + projector GGUF ("mmproj"); without it the model is text-only. */
  mmproj?: string;
  /** 'reference' (default): the original LLaVA preprocessing and encoder; 'llama.cpp': what llama.cpp computes. */
  visionCompat?: VisionCompat;
  /** Images with more pixels are refused before decoding. Defaults to 50 megapixels. */
  maxImagePixels?: number;
  /** 'auto' (default: CUDA when available, else CPU), 'cpu' or 'cuda'. */
  device?: Device;
  /** CPU threads for the forward pass. Defaults to the number of available CPUs. */
  threads?: number;
  /**
   * The arithmetic. 'llama.cpp' (default): what llama.cpp's CPU builds for AVX2 / AVX-512 compute, bit for bit
   * (activations converted to each weight's dot-product format, f16 KV cache, llama.cpp's summation orders) —
   * fast, and token for token what llama.cpp generates on such a CPU. 'llama.cpp-portable': what llama.cpp's
   * portable x86-64 build (no AVX, e.g. @fugood/llama.node's linux-x64 binary) computes, bit for bit — scalar
   * and slow (F32, F16, Q8_0, Q4_K, Q6_K weights), for reproducing such builds; with visionCompat 'llama.cpp'
   * the vision tower follows it too. 'reference': f32 activations against weights dequantized to f32 and an
   * f32 KV cache — the original model's arithmetic on the stored weights; slower.
   */
  numerics?: Numerics;
  /** KV cache length in positions. Defaults to the model's training context, at most 4096. */
  contextSize?: number;
  /** Chat format. Defaults to the file's own template, else one inferred from the model name. */
  chatTemplate?: ChatTemplateChoice;
  /** Called with a fraction 0…1 as loading progresses. */
  onProgress?: (fraction: number) => void;
}

export interface GenerateOptions {
  /** A user message (formatted with the chat template), or with `raw` the verbatim prompt. */
  prompt?: string;
  /** A whole conversation, formatted with the chat template. */
  messages?: ChatMessage[];
  /**
   * Images, one per `<image>` marker in order (or, with no marker, placed before the user's text):
   * file paths, encoded bytes, raw RGB, or embeddings from encodeImage().
   */
  images?: (ImageInput | ImageEmbedding)[];
  /** Use `prompt` verbatim, without a chat template. Defaults to false. */
  raw?: boolean;
  /** Most tokens to generate. Defaults to 256. */
  maxTokens?: number;
  /** Sampling temperature; 0 is greedy. Defaults to 0.8. */
  temperature?: number;
  /** Keep the k most likely tokens (0 = all). Defaults to 40. */
  topK?: number;
  /** Nucleus sampling threshold (1 = off). Defaults to 0.95. */
  topP?: number;
  /** Drop tokens below minP × the top probability (0 = off). Defaults to 0.05. */
  minP?: number;
  /** Repetition penalty (1 = off). Defaults to 1. */
  repeatPenalty?: number;
  /** Subtracted per occurrence in the recent tokens. Defaults to 0. */
  frequencyPenalty?: number;
  /** Subtracted once for any occurrence in the recent tokens. Defaults to 0. */
  presencePenalty?: number;
  /** How many recent tokens the penalties consider (-1 = all). Defaults to 64. */
  penaltyLastN?: number;
  /** Seed of the sampler; the same seed and inputs give the same output. Defaults to a random seed. */
  seed?: number;
  /** Generation ends before any of these strings (they are not included). The template adds its own. */
  stop?: string[];
  /** Aborts prompt processing and generation promptly; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Also return the logits that produced each generated token (result.logits). Defaults to false. */
  returnLogits?: boolean;
}

export interface ResolvedGeneration {
  maxTokens: number;
  seed: number;
  stop: string[];
  sampling: SamplingParams;
}

export const GENERATION_DEFAULTS = {
  maxTokens: 256,
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  minP: 0.05,
  repeatPenalty: 1,
  frequencyPenalty: 0,
  presencePenalty: 0,
  penaltyLastN: 64,
} as const;

function check(condition: boolean, message: string): void {
  if (!condition) throw new InvalidArgumentError(message);
}

export function resolveLoadOptions(
  options: LoadOptions,
): Required<Omit<LoadOptions, 'chatTemplate' | 'onProgress' | 'mmproj'>> & Pick<LoadOptions, 'chatTemplate' | 'onProgress' | 'mmproj'> {
  check(typeof options?.model === 'string' && options.model.length > 0, 'model: a GGUF file path is required');
  const threads = options.threads ?? availableParallelism();
  check(Number.isInteger(threads) && threads >= 1 && threads <= 1024, `threads must be an integer from 1 to 1024, got ${options.threads}`);
  const contextSize = options.contextSize ?? 0; // 0: decided from the model once loaded
  check(Number.isInteger(contextSize) && contextSize >= 0, `contextSize must be a positive integer, got ${options.contextSize}`);
  const device = options.device ?? 'auto';
  check(['auto', 'cpu', 'cuda'].includes(device), `device must be 'auto', 'cpu' or 'cuda', got '${device}'`);
  const visionCompat = options.visionCompat ?? 'reference';
  check(visionCompat === 'reference' || visionCompat === 'llama.cpp', `visionCompat must be 'reference' or 'llama.cpp', got '${visionCompat}'`);
  const numerics = options.numerics ?? 'llama.cpp';
  check(
    NUMERICS.includes(numerics),
    `numerics must be ${NUMERICS.map((n) => `'${n}'`).join(', ')}, got '${numerics}'`,
  );
  const maxImagePixels = options.maxImagePixels ?? 50_000_000;
  check(Number.isInteger(maxImagePixels) && maxImagePixels > 0, `maxImagePixels must be a positive integer, got ${options.maxImagePixels}`);
  return {
    model: options.model,
    mmproj: options.mmproj,
    visionCompat,
    numerics,
    maxImagePixels,
    device,
    threads,
    contextSize,
    chatTemplate: options.chatTemplate,
    onProgress: options.onProgress,
  };
}

export function resolveGeneration(o: GenerateOptions, templateStops: readonly string[]): ResolvedGeneration {
  const d = GENERATION_DEFAULTS;
  const sampling: SamplingParams = {
    temperature: o.temperature ?? d.temperature,
    topK: o.topK ?? d.topK,
    topP: o.topP ?? d.topP,
    minP: o.minP ?? d.minP,
    repeatPenalty: o.repeatPenalty ?? d.repeatPenalty,
    frequencyPenalty: o.frequencyPenalty ?? d.frequencyPenalty,
    presencePenalty: o.presencePenalty ?? d.presencePenalty,
    penaltyLastN: o.penaltyLastN ?? d.penaltyLastN,
  };
  const maxTokens = o.maxTokens ?? d.maxTokens;
  check(Number.isInteger(maxTokens) && maxTokens >= 0, `maxTokens must be a non-negative integer, got ${o.maxTokens}`);
  check(Number.isFinite(sampling.temperature), 'temperature must be a number');
  check(Number.isInteger(sampling.topK) && sampling.topK >= 0, `topK must be a non-negative integer, got ${o.topK}`);
  check(sampling.topP > 0 && sampling.topP <= 1, `topP must be in (0, 1], got ${o.topP}`);
  check(sampling.minP >= 0 && sampling.minP <= 1, `minP must be in [0, 1], got ${o.minP}`);
  check(sampling.repeatPenalty > 0, `repeatPenalty must be positive, got ${o.repeatPenalty}`);
  check(Number.isInteger(sampling.penaltyLastN) && sampling.penaltyLastN >= -1, `penaltyLastN must be -1 or more, got ${o.penaltyLastN}`);
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 32);
  check(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32, `seed must be an integer from 0 to 2^32 − 1, got ${o.seed}`);
  check(o.prompt !== undefined || o.messages !== undefined, 'give a prompt or messages');
  check(!(o.prompt !== undefined && o.messages !== undefined), 'give a prompt or messages, not both');
  check(!(o.raw && o.messages !== undefined), 'raw applies to a prompt, not to messages');
  const stop = [...(o.raw ? [] : templateStops), ...(o.stop ?? [])];
  return { maxTokens, seed, stop, sampling };
}
