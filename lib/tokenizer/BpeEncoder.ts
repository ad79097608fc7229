/**
 * Byte-level BPE for `gpt2` vocabularies, as llama.cpp does it
 * (llm_tokenizer_bpe_session): the pre-tokenizer splits text into words, each
 * word's UTF-8 bytes become GPT-2 alphabet characters, and adjacent symbols
 * merge by merge rank (lowest first). A leftover symbol that is not a token is
 * emitted byte by byte where a single-character token exists, else dropped.
 */
import { byteLevelEncode } from './byteLevelAlphabet.js';
import { WORD_SPLITTERS, type WordSplitter } from './preTokenizer.js';
import { SymbolMerger } from './SymbolMerger.js';
import { utf8Encode } from './utf8.js';
import { type Vocabulary, mergeKey } from './Vocabulary.js';
import { WordCache } from './WordCache.js';

export class BpeEncoder {
  readonly #vocab: Vocabulary;
  readonly #splitWords: WordSplitter;
  readonly #merger = new SymbolMerger();
  readonly #cache = new WordCache();
  readonly #pairPriority = (text: string, start: number, mid: number, end: number): number | undefined => {
    const rank = this.#vocab.mergeRanks.get(mergeKey(text.slice(start, mid), text.slice(mid, end)));
    return rank === undefined ? undefined : -rank;
  };

  constructor(vocab: Vocabulary) {
    this.#vocab = vocab;
    this.#splitWords = WORD_SPLITTERS[vocab.preTokenizer ?? 'default'];
  }

  /** Appends the ids of `text` (one raw-text fragment) to `out`. */
  encode(text: string, out: number[]): void {
    const codepoints = new Int32Array(text.length);
    // UTF-16 offset of each code point, plus the end.
    const offsets = new Int32Array(text.length + 1);
    let count = 0;
    for (let i = 0; i < text.length; count++) {
      const cp = text.codePointAt(i) as number;
      codepoints[count] = cp;
      offsets[count] = i;
      i += cp > 0xffff ? 2 : 1;
    }
    offsets[count] = text.length;

    let start = 0;
    for (const length of this.#splitWords(codepoints.subarray(0, count), [count])) {
      const word = text.slice(offsets[start], offsets[start + length]);
      this.#cache.append(word, out, (w) => this.#encodeWord(w));
      start += length;
    }
  }

  #encodeWord(word: string): number[] {
    const encoded = byteLevelEncode(utf8Encode(word));
    const { idByText } = this.#vocab;
    if (this.#vocab.ignoreMerges) {
      const whole = idByText.get(encoded);
      if (whole !== undefined) return [whole];
    }
    const ids: number[] = [];
    let start = 0;
    for (const end of this.#merger.merge(encoded, this.#pairPriority)) {
      const symbol = encoded.slice(start, end);
      const id = idByText.get(symbol);
      if (id !== undefined) {
        ids.push(id);
      } else {
        for (const byte of utf8Encode(symbol)) {
          // Only ASCII can be a one-byte token text here.
          const byteId = byte < 0x80 ? idByText.get(String.fromCharCode(byte)) : undefined;
          if (byteId !== undefined) ids.push(byteId);
        }
      }
      start = end;
    }
    return ids;
  }
}
