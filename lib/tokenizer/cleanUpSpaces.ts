/**
 * llama.cpp's clean_up_tokenization_spaces for BPE vocabularies (the tail of
 * llama_vocab::impl::detokenize), three passes over the detokenized bytes:
 *   1. " ?", " !", " .", " ,"  lose the space;
 *   2. " ' "                   loses both spaces (and the second space no longer counts as one);
 *   3. " 's", " 'm", " 're", " 've" lose the space (" 't", " 'd", " 'll" keep it).
 * Each pass compacts the buffer in place, reading neighbours from the same
 * buffer, exactly as llama.cpp does, so overlapping patterns resolve the same way.
 */

const SPACE = 0x20;
const APOSTROPHE = 0x27;
const ch = (c: string): number => c.charCodeAt(0);
const PUNCTUATION_AFTER_SPACE = new Set([ch('?'), ch('!'), ch('.'), ch(',')]);

/** One pass: compacts text[0, length) in place, returns the new length. */
type Pass = (text: Uint8Array, length: number) => number;

const removeSpaceBeforePunctuation: Pass = (text, length) => {
  let out = length > 0 ? 1 : 0;
  for (let i = 1; i < length; i++) {
    const x = text[i] as number;
    if (text[i - 1] === SPACE && PUNCTUATION_AFTER_SPACE.has(x)) out--;
    text[out++] = x;
  }
  return out;
};

const removeSpacesAroundLoneApostrophe: Pass = (text, length) => {
  let out = length > 0 ? 1 : 0;
  for (let i = 1; i < length; i++) {
    const x = text[i] as number;
    if (x === APOSTROPHE && i + 1 < length && text[i - 1] === SPACE && text[i + 1] === SPACE) {
      out--;
      // Skip the next space; blanking it means it cannot pair with a following apostrophe.
      text[++i] = 0;
    }
    text[out++] = x;
  }
  return out;
};

const removeSpaceBeforeContraction: Pass = (text, length) => {
  let out = length > 0 ? 1 : 0;
  for (let i = 1; i < length; i++) {
    const x = text[i] as number;
    if (text[i - 1] === SPACE && x === APOSTROPHE && i + 1 < length) {
      const x1 = text[i + 1] as number;
      if (x1 === ch('s') || x1 === ch('m')) {
        out--;
      } else if (i + 2 < length) {
        const x2 = text[i + 2] as number;
        if ((x1 === ch('r') || x1 === ch('v')) && x2 === ch('e')) out--;
      }
    }
    text[out++] = x;
  }
  return out;
};

export function cleanUpSpaces(bytes: Uint8Array): Uint8Array {
  const text = bytes.slice();
  let length = text.length;
  for (const pass of [removeSpaceBeforePunctuation, removeSpacesAroundLoneApostrophe, removeSpaceBeforeContraction]) length = pass(text, length);
  return text.subarray(0, length);
}

/**
 * Where a byte stream can be cut so that cleaning the parts separately equals
 * cleaning the whole: just after three bytes that are neither spaces nor
 * apostrophes (no pattern reaches across them). Returns the last such cut in
 * `bytes`, or 0.
 */
export function lastCleanUpBoundary(bytes: Uint8Array): number {
  let plainRun = 0;
  for (let i = bytes.length - 1; i >= 0; i--) {
    const b = bytes[i];
    plainRun = b === SPACE || b === APOSTROPHE ? 0 : plainRun + 1;
    if (plainRun === 3) return i + 3;
  }
  return 0;
}
