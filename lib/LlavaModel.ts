/**
 * LlavaModel: a loaded model and everything a generation needs — tokenizer,
 * chat template, native decoder with its KV cache — behind a small API:
 * generate() for a whole answer, stream() for text as it is produced,
 * evaluate() for raw logits, dispose() to free native memory.
 *
 * Operations on one model run one at a time (later calls wait). Work runs
 * off the JS thread; an AbortSignal stops prompt processing or generation
 * between two kernels and leaves the model usable. Consecutive prompts that
 * share a prefix (multi-turn chat) reuse the cached positions of that prefix,
 * images included; an image's embedding is cached by content.
 */
import { type ChatMessage, IMAGE_MARKER } from './chat/ChatMessage.js';
import type { ChatTemplate } from './chat/ChatTemplate.js';
import { placeImages } from './chat/placeImages.js';
import { type PromptSegment, segmentPrompt } from './chat/promptSegments.js';
import { selectChatTemplate } from './chat/selectTemplate.js';
import { ContextOverflowError, DisposedError, InvalidArgumentError, LlavaError, fromNativeError } from './errors.js';
import { StopStringMatcher } from './generation/StopStringMatcher.js';
import { GgufFile } from './gguf/GgufFile.js';
import type { ImageInput } from './image/decodeImage.js';
import type { NativeModelHandle, NativeModelInfo } from './native/addonTypes.js';
import { loadAddon } from './native/loadAddon.js';
import { type GenerateOptions, type LoadOptions, resolveGeneration, resolveLoadOptions } from './options.js';
import { SeededRng } from './sampling/SeededRng.js';
import { sampleToken } from './sampling/sampleToken.js';
import { Tokenizer } from './tokenizer/Tokenizer.js';
import { AsyncLock } from './util/AsyncLock.js';
import { type ImageEmbedding, isImageEmbedding } from './vision/ImageEmbedding.js';
import { ImageEncoder } from './vision/ImageEncoder.js';

/** Why generation ended: an end-of-generation token, a stop string, maxTokens, or a full context. */
export type FinishReason = 'eos' | 'stop' | 'length' | 'context';

export interface GenerationTimings {
  /** Prompt positions evaluated (those reused from the cache are not counted). */
  promptTokens: number;
  promptMs: number;
  generatedTokens: number;
  generateMs: number;
  promptTokensPerSecond: number;
  generatedTokensPerSecond: number;
}

export interface GenerateResult {
  text: string;
  /** Generated token ids (an end-of-generation token is not included). */
  tokens: number[];
  /** The prompt's token ids, with −1 at each image position. */
  promptTokens: number[];
  finishReason: FinishReason;
  timings: GenerationTimings;
  /** With `returnLogits`: the logits row each token was sampled from (and the one that ended generation). */
  logits?: Float32Array[];
}

export interface StreamChunk {
  /** New text; may be empty while a multi-byte character or a possible stop string is incomplete. */
  text: string;
  /** The token that produced it; undefined for a closing chunk that releases text held back until the end. */
  token: number | undefined;
}

/** Largest context a model gets when none is requested. */
const DEFAULT_MAX_CONTEXT = 4096;

/** One evaluation step of a prompt: token ids, or embedding rows (an image). */
type PromptPiece = { kind: 'tokens'; tokens: number[] } | { kind: 'rows'; rows: Float32Array; width: number };

export class LlavaModel {
  readonly tokenizer: Tokenizer;
  readonly chatTemplate: ChatTemplate;
  readonly info: Readonly<NativeModelInfo>;
  /** The vision tower, when the model was loaded with an mmproj. */
  readonly vision: ImageEncoder | undefined;

  #handle: NativeModelHandle | undefined;
  readonly #path: string;
  readonly #lock = new AsyncLock();
  /**
   * What the cache holds, one entry per position: a token id, or for an image
   * position −1 − (the image's number in #imageIds), so prompts compare by value.
   */
  #cached: number[] = [];
  readonly #imageIds = new Map<string, number>();

  private constructor(path: string, handle: NativeModelHandle, tokenizer: Tokenizer, chatTemplate: ChatTemplate, vision: ImageEncoder | undefined) {
    this.#path = path;
    this.#handle = handle;
    this.tokenizer = tokenizer;
    this.chatTemplate = chatTemplate;
    this.vision = vision;
    this.info = Object.freeze(handle.info());
    if (vision && vision.info.outputWidth !== this.info.nEmbd) {
      throw new LlavaError(
        'MODEL_MISMATCH',
        `the mmproj projects to width ${vision.info.outputWidth}, but the text model's embedding width is ${this.info.nEmbd}`,
      );
    }
  }

  /** Loads a GGUF model. Rejects with GgufError for unreadable or unsupported files. */
  static async load(options: LoadOptions): Promise<LlavaModel> {
    const o = resolveLoadOptions(options);
    o.onProgress?.(0);
    const file = await GgufFile.open(o.model);
    let tokenizer: Tokenizer;
    let contextSize: number;
    let template: ChatTemplate;
    try {
      tokenizer = Tokenizer.fromGgufFile(file);
      const trained = file.has('general.architecture') ? trainedContext(file) : DEFAULT_MAX_CONTEXT;
      contextSize = o.contextSize || Math.min(trained, DEFAULT_MAX_CONTEXT);
      template = selectChatTemplate(
        {
          chatTemplate: file.has('tokenizer.chat_template') ? file.getString('tokenizer.chat_template') : undefined,
          name: file.has('general.name') ? file.getString('general.name') : o.model,
          specialTokens: {
            bos: tokenizer.bos === undefined ? undefined : tokenizer.tokenText(tokenizer.bos),
            eos: tokenizer.eos === undefined ? undefined : tokenizer.tokenText(tokenizer.eos),
          },
        },
        o.chatTemplate,
      );
    } finally {
      file.close();
    }
    o.onProgress?.(0.1);
    const addon = loadAddon(o.device);
    let handle: NativeModelHandle;
    try {
      handle = await addon.ModelHandle.load(o.model, contextSize, o.threads, o.numerics);
    } catch (error) {
      throw fromNativeError(error, o.model);
    }
    o.onProgress?.(o.mmproj ? 0.7 : 1);
    let vision: ImageEncoder | undefined;
    try {
      if (o.mmproj) vision = await ImageEncoder.load(addon, o.mmproj, o.threads, o.visionCompat, o.numerics, { maxPixels: o.maxImagePixels });
      const model = new LlavaModel(o.model, handle, tokenizer, template, vision);
      o.onProgress?.(1);
      return model;
    } catch (error) {
      handle.dispose();
      vision?.dispose();
      throw error;
    }
  }

  /**
   * The image as the text model will read it (decoded, preprocessed, encoded
   * and projected). Reusable in generate()/stream(); the same pixels are encoded once.
   */
  encodeImage(image: ImageInput, { signal }: { signal?: AbortSignal } = {}): Promise<ImageEmbedding> {
    return this.#lock.run(async () => {
      this.#live();
      return this.#requireVision().encode(image, signal);
    });
  }

  tokenize(text: string, options?: Parameters<Tokenizer['tokenize']>[1]): number[] {
    return this.tokenizer.tokenize(text, options);
  }

  detokenize(tokens: readonly number[]): string {
    return this.tokenizer.detokenize(tokens);
  }

  /**
   * Logits for every position of `tokens`, evaluated as a fresh sequence
   * (one Float32Array of nVocab per position).
   */
  evaluate(tokens: readonly number[], { signal }: { signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    return this.#lock.run(async () => {
      const handle = this.#live();
      this.#checkFits(tokens.length);
      this.#truncate(handle, 0);
      const logits = await this.#evaluate(handle, tokens, true, signal);
      this.#cached = [...tokens];
      const n = this.info.nVocab;
      return Array.from({ length: tokens.length }, (_, i) => logits.subarray(i * n, (i + 1) * n));
    });
  }

  /** Generates a whole answer. */
  async generate(options: GenerateOptions): Promise<GenerateResult> {
    const chunks = this.#generation(options);
    for (;;) {
      const step = await chunks.next();
      if (step.done) return step.value;
    }
  }

  /** Generates an answer as a stream of text chunks (one per token). */
  async *stream(options: GenerateOptions): AsyncGenerator<StreamChunk, GenerateResult, undefined> {
    return yield* this.#generation(options);
  }

  /** Frees the native model; waits for the operation in flight. Later calls throw DisposedError. */
  async dispose(): Promise<void> {
    await this.#lock.run(async () => {
      if (this.#handle) this.vision?.dispose();
      this.#handle?.dispose();
      this.#handle = undefined;
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  async *#generation(options: GenerateOptions): AsyncGenerator<StreamChunk, GenerateResult, undefined> {
    const settings = resolveGeneration(options, this.chatTemplate.stopStrings);
    const { signal } = options;
    signal?.throwIfAborted();
    const images = options.images ?? [];
    const segments = this.#promptSegments(options, images.length);
    if (!segments.some((s) => s.kind === 'tokens')) throw new InvalidArgumentError('the prompt is empty');

    const release = await this.#lock.acquire();
    try {
      const handle = this.#live();
      const pieces: PromptPiece[] = [];
      const positions: number[] = []; // what #cached will hold once the prompt is evaluated
      const promptTokens: number[] = [];
      for (const segment of segments) {
        if (segment.kind === 'tokens') {
          pieces.push({ kind: 'tokens', tokens: segment.tokens });
          positions.push(...segment.tokens);
          promptTokens.push(...segment.tokens);
          continue;
        }
        const image = images[segment.index] as ImageInput | ImageEmbedding;
        const embedding = isImageEmbedding(image) ? image : await this.#requireVision().encode(image, signal);
        if (embedding.width !== this.info.nEmbd) {
          throw new InvalidArgumentError(`image ${segment.index}: its embedding has width ${embedding.width}, the model ${this.info.nEmbd}`);
        }
        pieces.push({ kind: 'rows', rows: embedding.rows, width: embedding.width });
        positions.push(...new Array<number>(embedding.positions).fill(this.#imagePosition(embedding.key)));
        promptTokens.push(...new Array<number>(embedding.positions).fill(-1));
      }
      this.#checkFits(positions.length);
      // Reuse the cached prefix; at least the last prompt position is evaluated, for its logits.
      const reused = Math.min(commonPrefix(this.#cached, positions), positions.length - 1);
      this.#truncate(handle, reused);

      const started = performance.now();
      let logits = await this.#evaluatePieces(handle, pieces, reused, signal);
      this.#cached = positions;
      const promptMs = performance.now() - started;

      const rng = new SeededRng(settings.seed);
      const detokenizer = this.tokenizer.createStreamingDetokenizer();
      const stops = new StopStringMatcher(settings.stop);
      const tokens: number[] = [];
      const logitRows: Float32Array[] = [];
      let text = '';
      let finishReason: FinishReason = 'length';
      const generating = performance.now();
      while (tokens.length < settings.maxTokens) {
        signal?.throwIfAborted();
        if (options.returnLogits) logitRows.push(logits.slice());
        const token = sampleToken(logits, this.#cached, settings.sampling, rng);
        if (this.tokenizer.isEndOfGeneration(token)) {
          finishReason = 'eos';
          break;
        }
        tokens.push(token);
        const { emit, stopped } = stops.push(detokenizer.push(token));
        text += emit;
        yield { text: emit, token };
        if (stopped) {
          finishReason = 'stop';
          break;
        }
        if (tokens.length === settings.maxTokens) break;
        if (this.#cached.length >= this.info.contextSize) {
          finishReason = 'context';
          break;
        }
        logits = await this.#evaluate(handle, [token], false, signal);
        this.#cached.push(token);
      }
      if (finishReason !== 'stop') {
        const { emit } = stops.push(detokenizer.flush());
        const tail = emit + stops.flush();
        if (tail) {
          text += tail;
          yield { text: tail, token: undefined };
        }
      }
      const generateMs = performance.now() - generating;
      const evaluated = positions.length - reused;
      return {
        text,
        tokens,
        promptTokens,
        finishReason,
        timings: {
          promptTokens: evaluated,
          promptMs,
          generatedTokens: tokens.length,
          generateMs,
          promptTokensPerSecond: evaluated / (promptMs / 1000),
          generatedTokensPerSecond: tokens.length / (generateMs / 1000),
        },
        ...(options.returnLogits ? { logits: logitRows } : {}),
      };
    } finally {
      release();
    }
  }

  #promptSegments(options: GenerateOptions, imageCount: number): PromptSegment[] {
    if (options.raw) {
      // A raw prompt without markers gets its images right after BOS, before the text.
      const text = options.prompt ?? '';
      const marked = text.includes(IMAGE_MARKER) || imageCount === 0 ? text : `${IMAGE_MARKER.repeat(imageCount)}${text}`;
      const segments = segmentPrompt(marked, this.tokenizer);
      const slots = segments.filter((s) => s.kind === 'image').length;
      if (slots !== imageCount) {
        throw new InvalidArgumentError(`the prompt has ${slots} ${IMAGE_MARKER} marker(s) but ${imageCount} image(s) were given`);
      }
      return segments;
    }
    const messages: ChatMessage[] = options.messages ?? [{ role: 'user', content: options.prompt ?? '' }];
    return segmentPrompt(this.chatTemplate.render(placeImages(messages, imageCount)), this.tokenizer);
  }

  /** Evaluates the prompt from position `skip` on; returns the logits of its last position. */
  async #evaluatePieces(handle: NativeModelHandle, pieces: PromptPiece[], skip: number, signal?: AbortSignal): Promise<Float32Array> {
    let offset = 0;
    let logits: Float32Array | undefined;
    for (const piece of pieces) {
      const length = piece.kind === 'tokens' ? piece.tokens.length : piece.rows.length / piece.width;
      const from = Math.max(0, skip - offset);
      offset += length;
      if (from >= length) continue;
      logits =
        piece.kind === 'tokens'
          ? await this.#evaluate(handle, piece.tokens.slice(from), false, signal)
          : await this.#evaluateRows(handle, piece.rows.subarray(from * piece.width), signal);
    }
    return logits as Float32Array; // skip < total positions, so something was evaluated
  }

  #imagePosition(key: string): number {
    let id = this.#imageIds.get(key);
    if (id === undefined) {
      id = this.#imageIds.size;
      this.#imageIds.set(key, id);
    }
    return -1 - id;
  }

  #requireVision(): ImageEncoder {
    if (!this.vision) throw new InvalidArgumentError('this model was loaded without a vision tower: pass `mmproj` to LlavaModel.load to use images');
    return this.vision;
  }

  #evaluate(handle: NativeModelHandle, tokens: readonly number[], allLogits: boolean, signal?: AbortSignal): Promise<Float32Array> {
    return this.#abortable(handle, () => handle.evaluateTokens(Int32Array.from(tokens), allLogits), signal);
  }

  #evaluateRows(handle: NativeModelHandle, rows: Float32Array, signal?: AbortSignal): Promise<Float32Array> {
    return this.#abortable(handle, () => handle.evaluateEmbeddings(rows, false), signal);
  }

  /** Runs one native evaluation that `signal` can abort; on failure #cached follows the native rollback. */
  async #abortable(handle: NativeModelHandle, run: () => Promise<Float32Array>, signal?: AbortSignal): Promise<Float32Array> {
    const onAbort = () => handle.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      signal?.throwIfAborted();
      return await run();
    } catch (error) {
      // The native side rolled back the failed call; earlier pieces of a prompt
      // may have been committed without being recorded: keep both sides equal.
      if (handle.nPast() > this.#cached.length) handle.truncate(this.#cached.length);
      else this.#cached.length = handle.nPast();
      if ((error as { nativeCode?: string }).nativeCode === 'ABORTED' && signal?.aborted) throw signal.reason;
      throw fromNativeError(error, this.#path);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  #truncate(handle: NativeModelHandle, positions: number): void {
    handle.truncate(positions);
    this.#cached.length = positions;
  }

  #checkFits(positions: number): void {
    if (positions >= this.info.contextSize) {
      throw new ContextOverflowError(
        `the prompt needs ${positions} positions plus room to answer, but the context holds ${this.info.contextSize} (raise contextSize)`,
      );
    }
  }

  #live(): NativeModelHandle {
    if (!this.#handle) throw new DisposedError('this LlavaModel');
    return this.#handle;
  }
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

function trainedContext(file: GgufFile): number {
  const key = `${file.getString('general.architecture')}.context_length`;
  return file.has(key) ? file.getInteger(key) : DEFAULT_MAX_CONTEXT;
}
