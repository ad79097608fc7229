/**
 * LlavaModel: a loaded model and everything a generation needs — tokenizer,
 * chat template, native decoder with its KV cache — behind a small API:
 * generate() for a whole answer, stream() for text as it is produced,
 * evaluate() for raw logits, dispose() to free native memory.
 *
 * Operations on one model run one at a time (later calls wait). Work runs
 * off the JS thread; an AbortSignal stops prompt processing or generation
 * between two kernels and leaves the model usable. Consecutive prompts that
 * share a prefix (multi-turn chat) reuse the cached positions of that prefix.
 */
import type { ChatMessage } from './chat/ChatMessage.js';
import type { ChatTemplate } from './chat/ChatTemplate.js';
import { placeImages } from './chat/placeImages.js';
import { type PromptSegment, segmentPrompt } from './chat/promptSegments.js';
import { selectChatTemplate } from './chat/selectTemplate.js';
import { ContextOverflowError, DisposedError, InvalidArgumentError, fromNativeError } from './errors.js';
import { StopStringMatcher } from './generation/StopStringMatcher.js';
import { GgufFile } from './gguf/GgufFile.js';
import type { NativeModelHandle, NativeModelInfo } from './native/addonTypes.js';
import { loadAddon } from './native/loadAddon.js';
import { type GenerateOptions, type LoadOptions, resolveGeneration, resolveLoadOptions } from './options.js';
import { SeededRng } from './sampling/SeededRng.js';
import { sampleToken } from './sampling/sampleToken.js';
import { Tokenizer } from './tokenizer/Tokenizer.js';
import { AsyncLock } from './util/AsyncLock.js';

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
  /** The prompt's token ids. */
  promptTokens: number[];
  finishReason: FinishReason;
  timings: GenerationTimings;
}

export interface StreamChunk {
  /** New text; may be empty while a multi-byte character or a possible stop string is incomplete. */
  text: string;
  /** The token that produced it; undefined for a closing chunk that releases text held back until the end. */
  token: number | undefined;
}

/** Largest context a model gets when none is requested. */
const DEFAULT_MAX_CONTEXT = 4096;

export class LlavaModel {
  readonly tokenizer: Tokenizer;
  readonly chatTemplate: ChatTemplate;
  readonly info: Readonly<NativeModelInfo>;

  #handle: NativeModelHandle | undefined;
  readonly #path: string;
  readonly #lock = new AsyncLock();
  /** The token ids whose keys and values are in the cache, in order. */
  #cached: number[] = [];

  private constructor(path: string, handle: NativeModelHandle, tokenizer: Tokenizer, chatTemplate: ChatTemplate) {
    this.#path = path;
    this.#handle = handle;
    this.tokenizer = tokenizer;
    this.chatTemplate = chatTemplate;
    this.info = Object.freeze(handle.info());
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
    let handle: NativeModelHandle;
    try {
      handle = await loadAddon(o.device).ModelHandle.load(o.model, contextSize, o.threads);
    } catch (error) {
      throw fromNativeError(error, o.model);
    }
    o.onProgress?.(1);
    return new LlavaModel(o.model, handle, tokenizer, template);
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
    const segments = this.#promptSegments(options);
    if (segments.some((s) => s.kind === 'image')) {
      throw new InvalidArgumentError('the prompt has an <image> marker, but this model was loaded without a vision tower');
    }
    const promptTokens = segments.flatMap((s) => (s.kind === 'tokens' ? s.tokens : []));
    if (promptTokens.length === 0) throw new InvalidArgumentError('the prompt is empty');

    const release = await this.#lock.acquire();
    try {
      const handle = this.#live();
      this.#checkFits(promptTokens.length);
      // Reuse the cached prefix; at least the last prompt token is evaluated, for its logits.
      const reused = Math.min(commonPrefix(this.#cached, promptTokens), promptTokens.length - 1);
      this.#truncate(handle, reused);

      const started = performance.now();
      let logits = await this.#evaluate(handle, promptTokens.slice(reused), false, signal);
      this.#cached = [...promptTokens];
      const promptMs = performance.now() - started;

      const rng = new SeededRng(settings.seed);
      const detokenizer = this.tokenizer.createStreamingDetokenizer();
      const stops = new StopStringMatcher(settings.stop);
      const tokens: number[] = [];
      let text = '';
      let finishReason: FinishReason = 'length';
      const generating = performance.now();
      while (tokens.length < settings.maxTokens) {
        signal?.throwIfAborted();
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
      const evaluated = promptTokens.length - reused;
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
      };
    } finally {
      release();
    }
  }

  #promptSegments(options: GenerateOptions): PromptSegment[] {
    if (options.raw) return segmentPrompt(options.prompt ?? '', this.tokenizer);
    const messages: ChatMessage[] = options.messages ?? [{ role: 'user', content: options.prompt ?? '' }];
    return segmentPrompt(this.chatTemplate.render(placeImages(messages, 0)), this.tokenizer);
  }

  async #evaluate(handle: NativeModelHandle, tokens: readonly number[], allLogits: boolean, signal?: AbortSignal): Promise<Float32Array> {
    const onAbort = () => handle.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      signal?.throwIfAborted();
      return await handle.evaluateTokens(Int32Array.from(tokens), allLogits);
    } catch (error) {
      // The native side rolled the cache back to where this call started.
      this.#cached.length = handle.nPast();
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
