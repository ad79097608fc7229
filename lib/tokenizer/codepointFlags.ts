/**
 * Unicode classification of code points as llama.cpp's pre-tokenizers see it:
 * one general-category bit (\p{N}, \p{L}, \p{Z}, \p{M}, \p{P}, \p{S}, \p{C},
 * or UNDEFINED for unassigned code points) plus a WHITESPACE bit.
 *
 * The categories come from the JavaScript engine's Unicode tables, corrected to
 * llama.cpp's frozen copy of the Unicode 15.1 database (src/unicode-data.cpp):
 * code points assigned later are UNDEFINED there, so they are here too.
 * Whitespace is the Unicode White_Space property (which, unlike JavaScript's
 * `\s`, includes U+0085 and excludes U+FEFF), exactly llama.cpp's set.
 */

export const CodepointFlag = {
  UNDEFINED: 0x0001,
  NUMBER: 0x0002,
  LETTER: 0x0004,
  SEPARATOR: 0x0008,
  ACCENT_MARK: 0x0010,
  PUNCTUATION: 0x0020,
  SYMBOL: 0x0040,
  CONTROL: 0x0080,
  /** The general-category bits (everything but WHITESPACE). */
  CATEGORIES: 0x00ff,
  WHITESPACE: 0x0100,
} as const;

/**
 * Code points assigned in Unicode 16.0 and 17.0. llama.cpp's table predates
 * them and classifies them as UNDEFINED, which changes how they pre-tokenize
 * (e.g. a new letter does not join the word before it).
 */
const ASSIGNED_AFTER_UNICODE_15_1 =
  '88F 897 C5C CDC 1ACF-1ADD 1AE0-1AEB 1B4E-1B4F 1B7F 1C89-1C8A 20C1 2427-2429 2B96 31E4-31E5 A7CB-A7CF A7D2 A7D4 ' +
  'A7DA-A7DC A7F1 FBC3-FBD2 FD90-FD91 FDC8-FDCE 105C0-105F3 10940-10959 10D40-10D65 10D69-10D85 10D8E-10D8F ' +
  '10EC2-10EC7 10ED0-10ED8 10EFA-10EFC 11380-11389 1138B 1138E 11390-113B5 113B7-113C0 113C2 113C5 113C7-113CA ' +
  '113CC-113D5 113D7-113D8 113E1-113E2 116D0-116E3 11B60-11B67 11BC0-11BE1 11BF0-11BF9 11DB0-11DDB 11DE0-11DE9 ' +
  '11F5A 13460-143FA 16100-16139 16D40-16D79 16EA0-16EB8 16EBB-16ED3 16FF2-16FF6 187F8-187FF 18CFF 18D09-18D1E ' +
  '18D80-18DF2 1CC00-1CCFC 1CD00-1CEB3 1CEBA-1CED0 1CEE0-1CEF0 1E5D0-1E5FA 1E5FF 1E6C0-1E6DE 1E6E0-1E6F5 ' +
  '1E6FE-1E6FF 1F6D8 1F777-1F77A 1F8B2-1F8BB 1F8C0-1F8C1 1F8D0-1F8D8 1FA54-1FA57 1FA89-1FA8A 1FA8E-1FA8F 1FABE ' +
  '1FAC6 1FAC8 1FACD 1FADC 1FADF 1FAE9-1FAEA 1FAEF 1FBCB-1FBEF 1FBFA 2B73A-2B73F 2CEA2-2CEAD 323B0-33479';

const CATEGORY_TESTS: ReadonlyArray<readonly [number, RegExp]> = [
  [CodepointFlag.LETTER, /\p{L}/u],
  [CodepointFlag.NUMBER, /\p{N}/u],
  [CodepointFlag.SEPARATOR, /\p{Z}/u],
  [CodepointFlag.ACCENT_MARK, /\p{M}/u],
  [CodepointFlag.PUNCTUATION, /\p{P}/u],
  [CodepointFlag.SYMBOL, /\p{S}/u],
  [CodepointFlag.CONTROL, /[\p{Cc}\p{Cf}\p{Cs}\p{Co}]/u],
];
const WHITE_SPACE = /\p{White_Space}/u;

/** Marks a computed entry of `cache`, so that 0 can mean "not computed yet". */
const COMPUTED = 0x8000;
const MAX_CODEPOINT = 0x10ffff;

// Classifying with regular expressions is slow, so each code point is
// classified once, on first sight.
const cache = new Uint16Array(MAX_CODEPOINT + 1);

for (const item of ASSIGNED_AFTER_UNICODE_15_1.split(' ')) {
  const [first, last = first] = item.split('-').map((hex) => parseInt(hex, 16)) as [number, number?];
  cache.fill(CodepointFlag.UNDEFINED | COMPUTED, first, last + 1);
}

function classify(codepoint: number): number {
  if (codepoint > MAX_CODEPOINT) return CodepointFlag.UNDEFINED;
  const char = String.fromCodePoint(codepoint);
  let flags: number = CodepointFlag.UNDEFINED;
  for (const [flag, test] of CATEGORY_TESTS) {
    if (test.test(char)) {
      flags = flag;
      break;
    }
  }
  return WHITE_SPACE.test(char) ? flags | CodepointFlag.WHITESPACE : flags;
}

/** The CodepointFlag bits of `codepoint`. */
export function codepointFlags(codepoint: number): number {
  let flags = cache[codepoint];
  if (flags === undefined) return CodepointFlag.UNDEFINED;
  if (flags === 0) {
    flags = classify(codepoint) | COMPUTED;
    cache[codepoint] = flags;
  }
  return flags & ~COMPUTED;
}
