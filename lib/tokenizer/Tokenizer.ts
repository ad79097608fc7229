/**
 * Text ⇄ token ids for a GGUF vocabulary, exactly as llama.cpp computes them
 * (llama_tokenize / llama_detokenize / llama_token_to_piece), for the `llama`
 * (SentencePiece-style) and `gpt2` (byte-level BPE) tokenizer models.
 */
import { InvalidArgumentError, LlavaError } from '../errors.js';
import { GgufFile } from '../gguf/GgufFile.js';
import { BpeEncoder } from './BpeEncoder.js';
import { cleanUpSpaces } from './cleanUpSpaces.js';
import { partitionSpecialTokens } from './specialTokenPartition.js';
import { SpmEncoder } from './SpmEncoder.js';
import { StreamingDetokenizer } from './StreamingDetokenizer.js';
import { HIDDEN_UNLESS_SPECIAL } from './tokenAttributes.js';
import { tokenPiece } from './tokenPiece.js';
import { concatBytes, utf8Decode } from './utf8.js';
import { type TokenizerKind, type Vocabulary, readVocabulary } from './Vocabulary.js';

export interface TokenizeOptions {
  /** Add BOS/EOS as the file asks (add_bos_token/add_eos_token, else llama.cpp's per-model defaults). Default true. */
  addSpecial?: boolean;
  /** Turn the text of CONTROL and UNKNOWN tokens (e.g. "<s>") into those tokens. Default false. */
  parseSpecial?: boolean;
}

export interface DetokenizeOptions {
  /** Drop a leading BOS and a trailing EOS when the vocabulary adds them. Default false. */
  removeSpecial?: boolean;
  /** Render CONTROL and UNKNOWN tokens as their text instead of nothing. Default false. */
  unparseSpecial?: boolean;
}

const SPACE = 0x20;
/** SentencePiece writes spaces as ▁ (U+2581); only ASCII spaces are replaced. */
const ASCII_SPACES = / /g;

export class Tokenizer {
  readonly kind: TokenizerKind;
  readonly vocabSize: number;
  readonly bos?: number;
  readonly eos?: number;
  readonly addBos: boolean;
  readonly addEos: boolean;

  readonly #vocab: Vocabulary;
  readonly #encoder: SpmEncoder | BpeEncoder;
  /** Pieces with special tokens rendered, computed on first use. */
  readonly #pieces: (Uint8Array | undefined)[];

  private constructor(vocab: Vocabulary) {
    this.#vocab = vocab;
    this.kind = vocab.kind;
    this.vocabSize = vocab.texts.length;
    this.bos = vocab.bos;
    this.eos = vocab.eos;
    this.addBos = vocab.addBos;
    this.addEos = vocab.addEos;
    this.#encoder = vocab.kind === 'llama' ? new SpmEncoder(vocab) : new BpeEncoder(vocab);
    this.#pieces = new Array<Uint8Array | undefined>(this.vocabSize);
  }

  /** Reads the tokenizer of a GGUF file (a vocab-only file is enough). */
  static async fromGguf(path: string): Promise<Tokenizer> {
    const file = await GgufFile.open(path);
    try {
      return Tokenizer.fromGgufFile(file);
    } finally {
      file.close();
    }
  }

  /** Reads the tokenizer metadata of an open file; the file stays open. */
  static fromGgufFile(file: GgufFile): Tokenizer {
    return new Tokenizer(readVocabulary(file));
  }

  tokenize(text: string, { addSpecial = true, parseSpecial = false }: TokenizeOptions = {}): number[] {
    const vocab = this.#vocab;
    const out: number[] = [];
    if (addSpecial && vocab.addBos) out.push(this.#definedSpecial(vocab.bos, 'BOS'));
    const fragments = text === '' ? [] : partitionSpecialTokens(text, vocab, parseSpecial);

    // SentencePiece adds its space prefix to the first raw fragment and to each one after a special token.
    let afterSpecial = true;
    for (const fragment of fragments) {
      if ('token' in fragment) {
        out.push(fragment.token);
        afterSpecial = true;
        continue;
      }
      const raw = text.slice(fragment.start, fragment.end);
      if (this.#encoder instanceof SpmEncoder) {
        const prefixed = vocab.addSpacePrefix && afterSpecial ? ` ${raw}` : raw;
        this.#encoder.encode(prefixed.replace(ASCII_SPACES, '\u2581'), out);
      } else {
        this.#encoder.encode(raw, out);
      }
      afterSpecial = false;
    }

    if (addSpecial && vocab.addEos) out.push(this.#definedSpecial(vocab.eos, 'EOS'));
    return out;
  }

  /** llama_detokenize: the text of a token sequence. */
  detokenize(tokens: readonly number[], { removeSpecial = false, unparseSpecial = false }: DetokenizeOptions = {}): string {
    const vocab = this.#vocab;
    let first = 0;
    let end = tokens.length;
    // SentencePiece's space prefix is taken off the first piece again, except
    // after a BOS that is being removed.
    let stripLeadingSpace = vocab.addSpacePrefix;
    if (removeSpecial && vocab.addBos && end > 0 && tokens[0] === vocab.bos) {
      stripLeadingSpace = false;
      first = 1;
    }
    if (removeSpecial && vocab.addEos && end > first && tokens[end - 1] === vocab.eos) end--;

    const pieces: Uint8Array[] = [];
    for (let i = first; i < end; i++) {
      let piece = this.#visiblePiece(tokens[i] as number, unparseSpecial);
      if (i === first && stripLeadingSpace && piece[0] === SPACE) piece = piece.subarray(1);
      pieces.push(piece);
    }
    const bytes = concatBytes(pieces);
    return utf8Decode(vocab.cleanSpaces ? cleanUpSpaces(bytes) : bytes);
  }

  /** The raw bytes of one token (a byte token gives its one byte); CONTROL/UNKNOWN tokens are empty unless `special`. */
  tokenToPiece(token: number, { special = false }: { special?: boolean } = {}): Uint8Array {
    return this.#visiblePiece(token, special).slice();
  }

  /** The token's vocabulary entry (llama.cpp names empty entries "[EMPTY_<id>]"). */
  tokenText(token: number): string {
    this.#check(token);
    return this.#vocab.texts[token] as string;
  }

  /** Whether generation should stop at this token: EOS, EOT/EOM, and the end-of-turn tokens llama.cpp recognises by text. */
  isEndOfGeneration(token: number): boolean {
    this.#check(token);
    return this.#vocab.endOfGeneration.has(token);
  }

  createStreamingDetokenizer({ unparseSpecial = false }: { unparseSpecial?: boolean } = {}): StreamingDetokenizer {
    return new StreamingDetokenizer({
      pieceOf: (token) => this.#visiblePiece(token, unparseSpecial),
      stripLeadingSpace: this.#vocab.addSpacePrefix,
      cleanSpaces: this.#vocab.cleanSpaces,
    });
  }

  /** The token's bytes as llama_token_to_piece gives them (shared; do not modify). */
  #visiblePiece(token: number, special: boolean): Uint8Array {
    this.#check(token);
    if (!special && (this.#vocab.attributes[token] as number) & HIDDEN_UNLESS_SPECIAL) return new Uint8Array(0);
    let piece = this.#pieces[token];
    if (piece === undefined) {
      piece = tokenPiece(this.#vocab, token);
      this.#pieces[token] = piece;
    }
    return piece;
  }

  #check(token: number): void {
    if (!Number.isInteger(token) || token < 0 || token >= this.vocabSize) {
      throw new InvalidArgumentError(`token id ${token} is out of range (vocabulary of ${this.vocabSize} tokens)`);
    }
  }

  #definedSpecial(token: number | undefined, name: string): number {
    if (token === undefined) throw new LlavaError('TOKENIZER_NO_SPECIAL_TOKEN', `the vocabulary asks for a ${name} token but defines none`);
    return token;
  }
}
