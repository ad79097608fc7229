/**
 * Detokenizes a token sequence one token at a time, e.g. while generating.
 * Each push returns only complete characters: a character split across
 * byte-fallback tokens is held back until its last byte arrives, and (for
 * vocabularies that tidy spaces, see cleanUpSpaces) so is text whose tidying
 * depends on what comes next. Everything pushed and then flushed concatenates
 * to exactly Tokenizer.detokenize of the same tokens.
 */
import { cleanUpSpaces, lastCleanUpBoundary } from './cleanUpSpaces.js';
import { concatBytes, utf8StreamDecoder } from './utf8.js';

/** What the detokenizer needs from its Tokenizer. */
export interface StreamingDetokenizerSource {
  /** The visible bytes of a token (validates the id). */
  pieceOf(token: number): Uint8Array;
  /** Drop one leading space from the first token's piece (llama.cpp does when add_space_prefix is on). */
  stripLeadingSpace: boolean;
  cleanSpaces: boolean;
}

const SPACE = 0x20;
const EMPTY = new Uint8Array(0);

export class StreamingDetokenizer {
  readonly #source: StreamingDetokenizerSource;
  #decoder = utf8StreamDecoder();
  #atStart = true;
  /** Bytes not yet tidied (only when the vocabulary tidies spaces). */
  #untidied: Uint8Array = EMPTY;

  /** Created by Tokenizer.createStreamingDetokenizer. */
  constructor(source: StreamingDetokenizerSource) {
    this.#source = source;
  }

  /** Adds one token; returns the text that is now final. */
  push(token: number): string {
    let piece = this.#source.pieceOf(token);
    if (this.#atStart) {
      this.#atStart = false;
      if (this.#source.stripLeadingSpace && piece[0] === SPACE) piece = piece.subarray(1);
    }
    if (!this.#source.cleanSpaces) return this.#decoder.decode(piece, { stream: true });

    const untidied = concatBytes([this.#untidied, piece]);
    const boundary = lastCleanUpBoundary(untidied);
    this.#untidied = untidied.slice(boundary);
    return boundary === 0 ? '' : this.#decoder.decode(cleanUpSpaces(untidied.subarray(0, boundary)), { stream: true });
  }

  /** Ends the sequence: returns the rest (an incomplete character as U+FFFD) and starts over. */
  flush(): string {
    const text = this.#decoder.decode(this.#source.cleanSpaces ? cleanUpSpaces(this.#untidied) : EMPTY);
    this.#decoder = utf8StreamDecoder();
    this.#atStart = true;
    this.#untidied = EMPTY;
    return text;
  }
}
