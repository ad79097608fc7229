/**
 * llama.cpp's "default" BPE pre-tokenizer (also used when a gpt2 file names
 * none): four regexes applied in turn, each splitting the pieces the previous
 * one left:
 *   [\p{P}\$\+<=>\^~\|]+   then GPT-2's regex   then \p{N}+   then [0-9][0-9][0-9]
 * Except GPT-2's, llama.cpp runs them through std::regex on a "collapsed" text
 * in which every non-ASCII code point stands for its category, so a non-ASCII
 * character counts as \p{P} or \p{N} only when that is its one category and
 * it is not whitespace; ASCII characters match as listed in llama.cpp's
 * per-category ASCII ranges (the backtick, a symbol, is in neither class).
 */
import { CodepointFlag, codepointFlags } from './codepointFlags.js';
import { gpt2WordSplit } from './gpt2WordSplit.js';

const ASCII_PUNCTUATION_CLASS = new Set([...'!"#$%&\'()*+,-./:;<=>?@[\\]^_{|}~'].map((c) => c.charCodeAt(0)));
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

function collapsedCategory(codepoint: number): number {
  const flags = codepointFlags(codepoint);
  return flags & CodepointFlag.WHITESPACE ? 0 : flags & CodepointFlag.CATEGORIES;
}

const isPunctuationClass = (cp: number): boolean => (cp < 0x80 ? ASCII_PUNCTUATION_CLASS.has(cp) : collapsedCategory(cp) === CodepointFlag.PUNCTUATION);
const isNumberClass = (cp: number): boolean => (cp < 0x80 ? cp >= DIGIT_0 && cp <= DIGIT_9 : collapsedCategory(cp) === CodepointFlag.NUMBER);
const isAsciiDigit = (cp: number): boolean => cp >= DIGIT_0 && cp <= DIGIT_9;

/** `[class]+` as a splitter: alternating runs of members and non-members. */
function splitRuns(codepoints: Int32Array, segments: readonly number[], inClass: (cp: number) => boolean): number[] {
  const pieces: number[] = [];
  let start = 0;
  for (const length of segments) {
    const end = start + length;
    let pieceStart = start;
    for (let pos = start + 1; pos <= end; pos++) {
      if (pos === end || inClass(codepoints[pos] as number) !== inClass(codepoints[pos - 1] as number)) {
        pieces.push(pos - pieceStart);
        pieceStart = pos;
      }
    }
    start = end;
  }
  return pieces;
}

/** `[0-9][0-9][0-9]` as a splitter: each non-overlapping triple of ASCII digits (leftmost first) is a piece. */
function splitDigitTriples(codepoints: Int32Array, segments: readonly number[]): number[] {
  const pieces: number[] = [];
  let start = 0;
  for (const length of segments) {
    const end = start + length;
    let pieceStart = start;
    let pos = start;
    while (pos + 3 <= end) {
      if (isAsciiDigit(codepoints[pos] as number) && isAsciiDigit(codepoints[pos + 1] as number) && isAsciiDigit(codepoints[pos + 2] as number)) {
        if (pos > pieceStart) pieces.push(pos - pieceStart);
        pieces.push(3);
        pos += 3;
        pieceStart = pos;
      } else {
        pos++;
      }
    }
    if (end > pieceStart) pieces.push(end - pieceStart);
    start = end;
  }
  return pieces;
}

export function defaultWordSplit(codepoints: Int32Array, segments: readonly number[]): number[] {
  let pieces = splitRuns(codepoints, segments, isPunctuationClass);
  pieces = gpt2WordSplit(codepoints, pieces);
  pieces = splitRuns(codepoints, pieces, isNumberClass);
  return splitDigitTriples(codepoints, pieces);
}
