/**
 * GPT-2's pre-tokenizer, the regex
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * evaluated the way llama.cpp's hand-written matcher does it
 * (unicode_regex_split_custom_gpt2): categories from codepointFlags, `\s` =
 * Unicode White_Space, and `\s+(?!\S)` as "a whitespace run that does not end
 * the segment gives back its last character".
 */
import { CodepointFlag, codepointFlags } from './codepointFlags.js';

const APOSTROPHE = 0x27;
const SPACE = 0x20;
const LETTER_S = 0x73, LETTER_T = 0x74, LETTER_M = 0x6d, LETTER_D = 0x64, LETTER_R = 0x72, LETTER_E = 0x65, LETTER_V = 0x76, LETTER_L = 0x6c;
const WORDLIKE = CodepointFlag.WHITESPACE | CodepointFlag.LETTER | CodepointFlag.NUMBER;

const isLetter = (flags: number): boolean => (flags & CodepointFlag.LETTER) !== 0;
const isNumber = (flags: number): boolean => (flags & CodepointFlag.NUMBER) !== 0;
/** [^\s\p{L}\p{N}], where a position past the segment (flags 0) is not included. */
const isOther = (flags: number): boolean => flags !== 0 && (flags & WORDLIKE) === 0;

/** The run class a word starting with these flags belongs to, if any. */
function runClassOf(flags: number): ((flags: number) => boolean) | undefined {
  if (isLetter(flags)) return isLetter;
  if (isNumber(flags)) return isNumber;
  return isOther(flags) ? isOther : undefined;
}

/** Splits each segment (lengths in code points, consecutive over `codepoints`) into words; returns the word lengths. */
export function gpt2WordSplit(codepoints: Int32Array, segments: readonly number[]): number[] {
  const words: number[] = [];
  let segmentStart = 0;
  for (const segmentLength of segments) {
    const end = segmentStart + segmentLength;
    // Outside the segment a position has no flags, like the end of the text.
    const flagsAt = (pos: number): number => (pos < end ? codepointFlags(codepoints[pos] as number) : 0);
    let pos = segmentStart;
    const emitTo = (wordEnd: number): void => {
      words.push(wordEnd - pos);
      pos = wordEnd;
    };

    while (pos < end) {
      const cp = codepoints[pos] as number;

      if (cp === APOSTROPHE && pos + 1 < end) {
        const next = codepoints[pos + 1] as number;
        if (next === LETTER_S || next === LETTER_T || next === LETTER_M || next === LETTER_D) {
          emitTo(pos + 2);
          continue;
        }
        if (pos + 2 < end) {
          const nextNext = codepoints[pos + 2] as number;
          if ((next === LETTER_R && nextNext === LETTER_E) || (next === LETTER_V && nextNext === LETTER_E) || (next === LETTER_L && nextNext === LETTER_L)) {
            emitTo(pos + 3);
            continue;
          }
        }
      }

      // " ?\p{L}+", " ?\p{N}+" and " ?[^\s\p{L}\p{N}]+": an optional ASCII space, then a run of one class.
      const leadingSpace = cp === SPACE ? 1 : 0;
      const inClass = runClassOf(flagsAt(pos + leadingSpace));
      if (inClass) {
        let wordEnd = pos + leadingSpace;
        while (inClass(flagsAt(wordEnd))) wordEnd++;
        emitTo(wordEnd);
        continue;
      }

      let whitespaceEnd = pos;
      while (flagsAt(whitespaceEnd) & CodepointFlag.WHITESPACE) whitespaceEnd++;
      const whitespaceCount = whitespaceEnd - pos;
      if (whitespaceCount > 1 && whitespaceEnd < end) {
        // \s+(?!\S): leave the last whitespace character to start the next word.
        emitTo(whitespaceEnd - 1);
      } else if (whitespaceCount > 0) {
        emitTo(whitespaceEnd);
      } else {
        emitTo(pos + 1);
      }
    }
    segmentStart = end;
  }
  return words;
}
