/**
 * SentencePiece-style BPE for `llama` vocabularies, as llama.cpp does it
 * (llm_tokenizer_spm_session): characters merge pairwise by the score of the
 * merged token; a final symbol that is not a token is spelled out as byte
 * tokens (<0xXX>, or else a token whose text is that single byte).
 *
 * The caller has already added the space prefix and replaced spaces by ▁.
 */
import { LlavaError } from '../errors.js';
import { SymbolMerger } from './SymbolMerger.js';
import { utf8Encode } from './utf8.js';
import type { Vocabulary } from './Vocabulary.js';
import { WordCache } from './WordCache.js';

const SPM_SPACE = '\u2581';

export class SpmEncoder {
  readonly #vocab: Vocabulary;
  readonly #merger = new SymbolMerger();
  readonly #cache = new WordCache();
  readonly #byteTokens = new Map<number, number>();
  /**
   * Whether text may be encoded word by word, cutting before each ▁ that
   * follows another character. That is exact when no token contains ▁ after
   * some other character: then no merged symbol, always a token, can span
   * such a cut, and merges on either side never interact.
   */
  readonly #canSplitAtSpaces: boolean;
  readonly #pairScore = (text: string, start: number, _mid: number, end: number): number | undefined => {
    const id = this.#vocab.idByText.get(text.slice(start, end));
    return id === undefined ? undefined : (this.#vocab.scores[id] as number);
  };

  constructor(vocab: Vocabulary) {
    this.#vocab = vocab;
    this.#canSplitAtSpaces = !vocab.texts.some((text) => /[^\u2581]\u2581/u.test(text));
  }

  /** Appends the ids of `text` (one raw-text fragment, already escaped) to `out`. */
  encode(text: string, out: number[]): void {
    if (!this.#canSplitAtSpaces) {
      for (const id of this.#encodeWord(text)) out.push(id);
      return;
    }
    let wordStart = 0;
    for (let space = text.indexOf(SPM_SPACE, 1); space >= 0; space = text.indexOf(SPM_SPACE, space + 1)) {
      if (text[space - 1] === SPM_SPACE) continue;
      this.#cache.append(text.slice(wordStart, space), out, (word) => this.#encodeWord(word));
      wordStart = space;
    }
    if (wordStart < text.length) this.#cache.append(text.slice(wordStart), out, (word) => this.#encodeWord(word));
  }

  #encodeWord(word: string): number[] {
    const ids: number[] = [];
    let start = 0;
    for (const end of this.#merger.merge(word, this.#pairScore)) {
      const symbol = word.slice(start, end);
      const id = this.#vocab.idByText.get(symbol);
      if (id !== undefined) ids.push(id);
      else for (const byte of utf8Encode(symbol)) ids.push(this.#byteToken(byte));
      start = end;
    }
    return ids;
  }

  #byteToken(byte: number): number {
    let id = this.#byteTokens.get(byte);
    if (id === undefined) {
      const hex = `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`;
      id = this.#vocab.idByText.get(hex) ?? (byte < 0x80 ? this.#vocab.idByText.get(String.fromCharCode(byte)) : undefined);
      if (id === undefined) throw new LlavaError('TOKENIZER_NO_BYTE_TOKEN', `the vocabulary has no token for byte 0x${hex.slice(3, 5)} (neither '${hex}' nor the raw byte)`);
      this.#byteTokens.set(byte, id);
    }
    return id;
  }
}
