/**
 * Llama 3's pre-tokenizer, the regex
 *   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * evaluated the way llama.cpp's hand-written matcher does it
 * (unicode_regex_split_custom_llama3): categories from codepointFlags, `\s` =
 * Unicode White_Space, `\s*[\r\n]+` taking whitespace up to the last line
 * break of the run, and `\s+(?!\S)` giving back the last whitespace character
 * unless the run ends the segment.
 */
import { CodepointFlag, codepointFlags } from './codepointFlags.js';

const APOSTROPHE = 0x27;
const SPACE = 0x20;
const CR = 0x0d;
const LF = 0x0a;
const WORDLIKE = CodepointFlag.WHITESPACE | CodepointFlag.LETTER | CodepointFlag.NUMBER;

/** The length of the contraction ('s, 'T, 'Re, ...) at `pos`, or 0. Only ASCII letters fold case here. */
function contractionLength(codepoints: Int32Array, pos: number, end: number): number {
  if (codepoints[pos] !== APOSTROPHE || pos + 1 >= end) return 0;
  const next = (codepoints[pos + 1] as number) | 0x20;
  if (next === 0x73 || next === 0x74 || next === 0x6d || next === 0x64) return 2; // s t m d
  if (pos + 2 >= end) return 0;
  const nextNext = (codepoints[pos + 2] as number) | 0x20;
  const pair = String.fromCharCode(next, nextNext);
  return pair === 're' || pair === 've' || pair === 'll' ? 3 : 0;
}

/** Splits each segment (lengths in code points, consecutive over `codepoints`) into words; returns the word lengths. */
export function llama3WordSplit(codepoints: Int32Array, segments: readonly number[]): number[] {
  const words: number[] = [];
  let segmentStart = 0;
  for (const segmentLength of segments) {
    const end = segmentStart + segmentLength;
    const flagsAt = (pos: number): number => (pos < end ? codepointFlags(codepoints[pos] as number) : 0);
    const isLineBreakAt = (pos: number): boolean => pos < end && (codepoints[pos] === CR || codepoints[pos] === LF);
    let pos = segmentStart;
    const emitTo = (wordEnd: number): void => {
      if (wordEnd > pos) words.push(wordEnd - pos);
      pos = wordEnd;
    };

    while (pos < end) {
      const cp = codepoints[pos] as number;
      const flags = flagsAt(pos);

      const contraction = contractionLength(codepoints, pos, end);
      if (contraction > 0) {
        emitTo(pos + contraction);
        continue;
      }

      // [^\r\n\p{L}\p{N}]?\p{L}+
      if (!isLineBreakAt(pos) && !(flags & CodepointFlag.NUMBER) && (flags & CodepointFlag.LETTER || flagsAt(pos + 1) & CodepointFlag.LETTER)) {
        let wordEnd = pos + 1;
        while (flagsAt(wordEnd) & CodepointFlag.LETTER) wordEnd++;
        emitTo(wordEnd);
        continue;
      }

      // \p{N}{1,3}: a run of digits in groups of three.
      if (flags & CodepointFlag.NUMBER) {
        let wordEnd = pos;
        while (flagsAt(wordEnd) & CodepointFlag.NUMBER) {
          wordEnd++;
          if (wordEnd - pos === 3) emitTo(wordEnd);
        }
        emitTo(wordEnd);
        continue;
      }

      // " ?[^\s\p{L}\p{N}]+[\r\n]*"
      const leadingSpace = cp === SPACE ? 1 : 0;
      if (!(flagsAt(pos + leadingSpace) & WORDLIKE)) {
        let wordEnd = pos + leadingSpace;
        for (let f = flagsAt(wordEnd); f !== 0 && !(f & WORDLIKE); f = flagsAt(wordEnd)) wordEnd++;
        while (isLineBreakAt(wordEnd)) wordEnd++;
        emitTo(wordEnd);
        continue;
      }

      let whitespaceEnd = pos;
      let afterLastLineBreak = 0;
      while (flagsAt(whitespaceEnd) & CodepointFlag.WHITESPACE) {
        if (isLineBreakAt(whitespaceEnd)) afterLastLineBreak = whitespaceEnd + 1;
        whitespaceEnd++;
      }
      if (afterLastLineBreak > 0) {
        // \s*[\r\n]+
        emitTo(afterLastLineBreak);
      } else if (whitespaceEnd - pos > 1 && whitespaceEnd < end) {
        // \s+(?!\S)
        emitTo(whitespaceEnd - 1);
      } else if (whitespaceEnd > pos) {
        emitTo(whitespaceEnd);
      } else {
        emitTo(pos + 1);
      }
    }
    segmentStart = end;
  }
  return words;
}
