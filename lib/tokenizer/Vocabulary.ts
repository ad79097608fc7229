/**
 * Everything the tokenizer needs from a GGUF file's `tokenizer.ggml.*`
 * metadata, read and defaulted the way llama.cpp's llama_vocab::impl::load
 * does it (only for the `llama` and `gpt2` tokenizer models).
 */
import { GgufError, LlavaError } from '../errors.js';
import type { GgufFile } from '../gguf/GgufFile.js';
import { type PreTokenizerKind, preTokenizerFor } from './preTokenizer.js';
import { type SpecialTokenIds, detectSpecialTokens } from './specialTokenDetection.js';
import { MATCHED_IN_TEXT, TokenAttribute, attributeOfTokenType } from './tokenAttributes.js';

export type TokenizerKind = 'llama' | 'gpt2';

export interface Vocabulary {
  kind: TokenizerKind;
  /** gpt2 only: how text is split into words before BPE. */
  preTokenizer?: PreTokenizerKind;
  /** Token texts; index = id. */
  texts: readonly string[];
  /** Text → id; with duplicate texts the last id wins, as in llama.cpp. */
  idByText: ReadonlyMap<string, number>;
  scores: Float32Array;
  /** TokenAttribute bits per token. */
  attributes: Uint16Array;
  /** gpt2 only: merge rank by mergeKey(left, right). */
  mergeRanks: ReadonlyMap<string, number>;
  bos?: number;
  eos?: number;
  addBos: boolean;
  addEos: boolean;
  addSpacePrefix: boolean;
  /** Whole-sequence detokenization tidies spaces before punctuation (BPE models). */
  cleanSpaces: boolean;
  /** BPE: a word that is itself a token is not merged further (Llama 3). */
  ignoreMerges: boolean;
  endOfGeneration: ReadonlySet<number>;
  /** CONTROL, USER_DEFINED and UNKNOWN tokens, longest text first: the order the special-token partition tries them. */
  specialTokensLongestFirst: readonly number[];
}

/** The key of a BPE merge pair in Vocabulary.mergeRanks (length-prefixed, so no separator can be ambiguous). */
export function mergeKey(left: string, right: string): string {
  return `${left.length}:${left}${right}`;
}

const KEY = {
  model: 'tokenizer.ggml.model',
  pre: 'tokenizer.ggml.pre',
  tokens: 'tokenizer.ggml.tokens',
  scores: 'tokenizer.ggml.scores',
  tokenType: 'tokenizer.ggml.token_type',
  merges: 'tokenizer.ggml.merges',
  addBos: 'tokenizer.ggml.add_bos_token',
  addEos: 'tokenizer.ggml.add_eos_token',
  addSpacePrefix: 'tokenizer.ggml.add_space_prefix',
  generalName: 'general.name',
} as const;

/** Metadata keys of special token ids, in llama.cpp's reading order (the deprecated FIM keys last, overriding). */
const SPECIAL_ID_KEYS: ReadonlyArray<readonly [keyof SpecialTokenIds | 'bos' | 'unk', string]> = [
  ['bos', 'tokenizer.ggml.bos_token_id'],
  ['eos', 'tokenizer.ggml.eos_token_id'],
  ['eot', 'tokenizer.ggml.eot_token_id'],
  ['eom', 'tokenizer.ggml.eom_token_id'],
  ['unk', 'tokenizer.ggml.unknown_token_id'],
  ['fimPre', 'tokenizer.ggml.fim_pre_token_id'],
  ['fimSuf', 'tokenizer.ggml.fim_suf_token_id'],
  ['fimMid', 'tokenizer.ggml.fim_mid_token_id'],
  ['fimPad', 'tokenizer.ggml.fim_pad_token_id'],
  ['fimRep', 'tokenizer.ggml.fim_rep_token_id'],
  ['fimSep', 'tokenizer.ggml.fim_sep_token_id'],
  ['fimPre', 'tokenizer.ggml.prefix_token_id'],
  ['fimSuf', 'tokenizer.ggml.suffix_token_id'],
  ['fimMid', 'tokenizer.ggml.middle_token_id'],
];

/** llama.cpp's per-model defaults, used where the file is silent. */
const MODEL_DEFAULTS: Record<TokenizerKind, { bos: number; eos: number; unk?: number; addBos: boolean; addSpacePrefix: boolean; cleanSpaces: boolean }> = {
  llama: { bos: 1, eos: 2, unk: 0, addBos: true, addSpacePrefix: true, cleanSpaces: false },
  gpt2: { bos: 11, eos: 11, addBos: false, addSpacePrefix: false, cleanSpaces: true },
};

export function readVocabulary(file: GgufFile): Vocabulary {
  const model = file.getString(KEY.model);
  if (model !== 'llama' && model !== 'gpt2') {
    throw new LlavaError('UNSUPPORTED_TOKENIZER', `${file.path}: ${KEY.model} = '${model}' is not supported (supported: 'llama', 'gpt2')`);
  }
  const kind: TokenizerKind = model;
  const defaults = MODEL_DEFAULTS[kind];

  const texts = readTokenTexts(file);
  const n = texts.length;
  const idByText = new Map<string, number>();
  texts.forEach((text, id) => idByText.set(text, id));
  const storedScores = readNumberArray(file, KEY.scores, n);
  const scores = storedScores instanceof Float32Array ? storedScores : Float32Array.from(storedScores ?? new Int32Array(n));
  const tokenTypes = readNumberArray(file, KEY.tokenType, n);
  const attributes = new Uint16Array(n);
  for (let id = 0; id < n; id++) attributes[id] = tokenTypes ? attributeOfTokenType(tokenTypes[id] as number) : TokenAttribute.NORMAL;

  let preTokenizer: PreTokenizerKind | undefined;
  let addBos = defaults.addBos;
  let ignoreMerges = false;
  let mergeRanks = new Map<string, number>();
  if (kind === 'gpt2') {
    const pre = preTokenizerFor(file.has(KEY.pre) ? file.getString(KEY.pre) : '', `${file.path}: ${KEY.pre}`);
    preTokenizer = pre.kind;
    addBos = pre.addBos ?? addBos;
    ignoreMerges = pre.ignoreMerges;
    mergeRanks = readMergeRanks(file);
  }

  const ids: SpecialTokenIds & { bos?: number; unk?: number } = {};
  const defaultIds: Partial<Record<keyof typeof ids, number>> = { bos: defaults.bos, eos: defaults.eos, unk: defaults.unk };
  for (const [role, key] of SPECIAL_ID_KEYS) {
    const fallback = ids[role] ?? defaultIds[role];
    // Out-of-range ids (often 0xFFFFFFFF for "none") leave the default in place.
    const fromFile = file.has(key) ? file.getInteger(key) : undefined;
    const inRange = (id: number | undefined): id is number => id !== undefined && id >= 0 && id < n;
    ids[role] = inRange(fromFile) ? fromFile : inRange(fallback) ? fallback : undefined;
  }

  const endOfGeneration = detectSpecialTokens(texts, idByText, attributes, ids);
  if (isPhi3(file)) markPhi3Rstrip(idByText, attributes);

  return {
    kind,
    preTokenizer,
    texts,
    idByText,
    scores,
    attributes,
    mergeRanks,
    bos: ids.bos,
    eos: ids.eos,
    addBos: readFlag(file, KEY.addBos) ?? addBos,
    addEos: readFlag(file, KEY.addEos) ?? false,
    addSpacePrefix: readFlag(file, KEY.addSpacePrefix) ?? defaults.addSpacePrefix,
    cleanSpaces: defaults.cleanSpaces,
    ignoreMerges,
    endOfGeneration,
    specialTokensLongestFirst: specialTokensLongestFirst(texts, attributes),
  };
}

function readTokenTexts(file: GgufFile): string[] {
  const tokens = file.get(KEY.tokens);
  if (tokens === undefined) throw metadataError(file, 'GGUF_MISSING_KEY', KEY.tokens, `required metadata '${KEY.tokens}' is missing`);
  if (!Array.isArray(tokens) || tokens.some((t) => typeof t !== 'string')) {
    throw metadataError(file, 'GGUF_WRONG_TYPE', KEY.tokens, `metadata '${KEY.tokens}' must be an array of strings`);
  }
  if (tokens.length === 0) throw metadataError(file, 'GGUF_BAD_COUNT', KEY.tokens, `metadata '${KEY.tokens}' is empty`);
  // llama.cpp renames empty entries so that every text maps back to its id.
  return (tokens as string[]).map((text, id) => (text === '' ? `[EMPTY_${id}]` : text));
}

/** A numeric array with at least `count` items, or undefined when the key is absent. */
function readNumberArray(file: GgufFile, key: string, count: number): Float32Array | Int32Array | undefined {
  const value = file.get(key);
  if (value === undefined) return undefined;
  if (!(value instanceof Float32Array || value instanceof Int32Array)) {
    throw metadataError(file, 'GGUF_WRONG_TYPE', key, `metadata '${key}' must be an array of FLOAT32 or INT32`);
  }
  if (value.length < count) throw metadataError(file, 'GGUF_BAD_COUNT', key, `metadata '${key}' has ${value.length} items, fewer than the ${count} tokens`);
  return value;
}

function readMergeRanks(file: GgufFile): Map<string, number> {
  const merges = file.get(KEY.merges);
  if (merges === undefined) throw metadataError(file, 'GGUF_MISSING_KEY', KEY.merges, `required metadata '${KEY.merges}' is missing (gpt2 tokenizer)`);
  if (!Array.isArray(merges) || merges.some((m) => typeof m !== 'string')) {
    throw metadataError(file, 'GGUF_WRONG_TYPE', KEY.merges, `metadata '${KEY.merges}' must be an array of strings`);
  }
  const ranks = new Map<string, number>();
  (merges as string[]).forEach((merge, rank) => {
    // Split at the first space after the first character; a merge without one
    // becomes the pair ("", "") like in llama.cpp. The first rank of a pair wins.
    const space = merge.indexOf(' ', 1);
    const key = space < 0 ? mergeKey('', '') : mergeKey(merge.slice(0, space), merge.slice(space + 1));
    if (!ranks.has(key)) ranks.set(key, rank);
  });
  return ranks;
}

function readFlag(file: GgufFile, key: string): boolean | undefined {
  return file.has(key) ? file.getBoolean(key) : undefined;
}

function isPhi3(file: GgufFile): boolean {
  const name = file.has(KEY.generalName) ? file.getString(KEY.generalName).toLowerCase() : '';
  return name.includes('phi-3') || name.includes('phi3');
}

/** Phi-3 special tokens swallow the whitespace after them, except the classic SentencePiece ones. */
function markPhi3Rstrip(idByText: ReadonlyMap<string, number>, attributes: Uint16Array): void {
  for (let id = 0; id < attributes.length; id++) {
    if ((attributes[id] as number) & MATCHED_IN_TEXT) attributes[id] = (attributes[id] as number) | TokenAttribute.RSTRIP;
  }
  const set = (text: string, on: boolean): void => {
    const id = idByText.get(text);
    if (id === undefined) return;
    const attribute = attributes[id] as number;
    attributes[id] = on ? attribute | TokenAttribute.RSTRIP : attribute & ~TokenAttribute.RSTRIP;
  };
  set('</s>', true);
  for (const text of ['<unk>', '<s>', '<|endoftext|>']) set(text, false);
}

/**
 * llama.cpp sorts with std::sort (not stable); among equally long texts the
 * order can only matter when two of them overlap in the text, and here it is
 * by id.
 */
function specialTokensLongestFirst(texts: readonly string[], attributes: Uint16Array): number[] {
  const byteLength = (id: number): number => Buffer.byteLength(texts[id] as string);
  const ids: number[] = [];
  for (let id = 0; id < texts.length; id++) if ((attributes[id] as number) & MATCHED_IN_TEXT) ids.push(id);
  return ids.sort((a, b) => byteLength(b) - byteLength(a) || a - b);
}

function metadataError(file: GgufFile, code: GgufError['code'], key: string, detail: string): GgufError {
  const offset = file.entries().find((e) => e.key === key)?.offset ?? 0;
  return new GgufError(code, file.path, `metadata '${key}'`, offset, detail);
}
