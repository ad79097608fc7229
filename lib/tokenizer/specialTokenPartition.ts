/**
 * llama.cpp's special-token partition (tokenizer_st_partition): before any
 * BPE, literal occurrences of special token texts are cut out of the text.
 * Tokens are tried longest text first; each one is searched for in every
 * piece of raw text left by the ones before it. CONTROL and UNKNOWN tokens take
 * part only when parsing specials; USER_DEFINED ones always do.
 */
import { HIDDEN_UNLESS_SPECIAL, MATCHED_IN_TEXT, TokenAttribute } from './tokenAttributes.js';
import type { Vocabulary } from './Vocabulary.js';

/** A piece of the input: raw text (a UTF-16 range of it) or a special token. */
export type Fragment = { token: number } | { start: number; end: number };

/** C's isspace in the "C" locale, which llama.cpp uses for LSTRIP/RSTRIP. */
function isCSpace(unit: number): boolean {
  return unit === 0x20 || (unit >= 0x09 && unit <= 0x0d);
}

export function partitionSpecialTokens(text: string, vocab: Vocabulary, parseSpecial: boolean): Fragment[] {
  let fragments: Fragment[] = [{ start: 0, end: text.length }];
  for (const token of vocab.specialTokensLongestFirst) {
    const attribute = vocab.attributes[token] as number;
    if (!(attribute & MATCHED_IN_TEXT)) continue;
    if (!parseSpecial && attribute & HIDDEN_UNLESS_SPECIAL) continue;
    const needle = vocab.texts[token] as string;
    if (!text.includes(needle)) continue;

    const next: Fragment[] = [];
    for (const fragment of fragments) {
      if (!('start' in fragment)) {
        next.push(fragment);
        continue;
      }
      let { start } = fragment;
      const { end } = fragment;
      for (;;) {
        const match = text.indexOf(needle, start);
        if (match < 0 || match + needle.length > end) {
          if (end > start) next.push({ start, end });
          break;
        }
        let leftEnd = match;
        if (attribute & TokenAttribute.LSTRIP) while (leftEnd > start && isCSpace(text.charCodeAt(leftEnd - 1))) leftEnd--;
        if (leftEnd > start) next.push({ start, end: leftEnd });
        next.push({ token });
        start = match + needle.length;
        if (attribute & TokenAttribute.RSTRIP) while (start < end && isCSpace(text.charCodeAt(start))) start++;
      }
    }
    fragments = next;
  }
  return fragments;
}
