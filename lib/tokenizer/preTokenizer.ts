/**
 * The BPE pre-tokenizers this library implements, chosen by the GGUF
 * `tokenizer.ggml.pre` name with llama.cpp's aliases and side effects
 * (llama_vocab::impl::load).
 */
import { LlavaError } from '../errors.js';
import { defaultWordSplit } from './defaultWordSplit.js';
import { gpt2WordSplit } from './gpt2WordSplit.js';
import { llama3WordSplit } from './llama3WordSplit.js';

export type PreTokenizerKind = 'default' | 'gpt-2' | 'llama3';

/** Splits text (as code points) into words; `segments` are consecutive lengths covering it. Returns word lengths. */
export type WordSplitter = (codepoints: Int32Array, segments: readonly number[]) => number[];

export const WORD_SPLITTERS: Record<PreTokenizerKind, WordSplitter> = {
  default: defaultWordSplit,
  'gpt-2': gpt2WordSplit,
  llama3: llama3WordSplit,
};

interface PreTokenizerChoice {
  kind: PreTokenizerKind;
  /** Overrides the model's default for adding BOS (still overridden by add_bos_token). */
  addBos?: boolean;
  /** A word that is itself a token is emitted whole. */
  ignoreMerges: boolean;
}

const PRE_TOKENIZER_NAMES: Record<string, PreTokenizerChoice> = {
  // An absent name falls back to "default" in llama.cpp (with a warning about quality).
  '': { kind: 'default', ignoreMerges: false },
  default: { kind: 'default', ignoreMerges: false },
  ...Object.fromEntries(['gpt-2', 'phi-2', 'gigachat', 'a.x-4.0', 'mellum'].map((name) => [name, { kind: 'gpt-2', ignoreMerges: false }])),
  ...Object.fromEntries(
    ['llama3', 'llama-v3', 'llama-bpe', 'falcon3', 'falcon-h1', 'pixtral', 'midm-2.0', 'lfm2', 'jina-v5-nano'].map((name) => [
      name,
      { kind: 'llama3', addBos: true, ignoreMerges: true },
    ]),
  ),
};

/** The pre-tokenizer for a `tokenizer.ggml.pre` value; `where` names the file and key in the error. */
export function preTokenizerFor(name: string, where: string): PreTokenizerChoice {
  const choice = PRE_TOKENIZER_NAMES[name];
  if (choice) return choice;
  const supported = Object.keys(PRE_TOKENIZER_NAMES).filter((n) => n !== '');
  throw new LlavaError('UNSUPPORTED_TOKENIZER', `${where}: unsupported pre-tokenizer '${name}' (supported: ${supported.map((n) => `'${n}'`).join(', ')})`);
}
