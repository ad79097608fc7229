/**
 * Seeded generator of tokenizer stress text: English, code, numbers,
 * contractions, many scripts, emoji sequences, combining marks, odd
 * whitespace, control characters, literal special-token text and random code
 * points. Always valid Unicode (no lone surrogates: they are not valid input).
 */
import { SeededRng } from '../../lib/sampling/SeededRng.js';


const WORDS = 'the quick brown fox jumps over lazy dog Hello world tokenizer llama vision model image describe what you see in this picture'.split(' ');
const CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Ve", "'M", "'LL", "'D", "'x", "’s", "''", "'"];
const CODE = ['function f(x) { return x * 2; }', 'if (a && b) {\n\treturn;\n}', 'for i in range(10):\n    print(i)', '#include <stdio.h>', 'a->b', 'x += 1;', '`code`', '$HOME/path', 'a|b^c~d', '<div class="x">', 'https://example.com/a?b=c&d=e', '[1, 2, 3]', '// comment'];
const NUMBERS = ['0', '7', '42', '123', '1234', '12345', '1234567', '3.14159', '1,000,000', '-17', '1e10', '٣٤٥', '१२३', '½', 'Ⅻ', '²³', '①'];
const SCRIPTS = [
  'Привет мир', 'Γειά σου Κόσμε', 'مرحبا بالعالم', 'שלום עולם', 'नमस्ते दुनिया', 'สวัสดีชาวโลก', '안녕하세요 세계', 'こんにちは世界', 'カタカナ',
  '你好世界', '漢字テスト', 'გამარჯობა', 'Բարեւ աշխարհ', 'ሰላም ዓለም', 'Xin chào thế giới', 'Żółć gęślą jaźń', 'Ærøskøbing', 'İstanbul ıi', 'straße ß',
  '𝐀𝐁𝐂 𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'ᏣᎳᎩ', 'ꦲꦏ꧀ꦱꦫ', '𓀀𓁐', 'ᚠᚢᚦ', 'ⴰⵣⵓⵍ', '𠜎𠜱𡃁', 'ㄅㄆㄇ', 'ᐃᓄᒃᑎᑐᑦ',
];
const EMOJI = ['😀', '👍🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇺🇸', '🇯🇵🇫🇷', '1️⃣', '❤️', '🧑🏾‍💻', '🫠', '🫩', '🪉', '🪾', '☃', '✈︎', '🐈‍⬛'];
const COMBINING = ['e\u0301', 'a\u0308\u0304', 'Z\u0351\u0361\u0313\u0352', 'n\u0303', '\u0301', 'क\u094d\u0937', 'ä', 'Å'];
const WHITESPACE = [' ', '  ', '   ', '    ', '\t', '\t\t', '\n', '\n\n', '\r\n', '\r', ' \n ', '\u00a0', '\u3000', '\u2003', '\u2009', '\u0085', '\u200b', '\ufeff', '\u000b', '\u000c', '\u2028', '\u202f', ' \t \n'];
const CONTROL = ['\0', '\u0001', '\u001b', '\u007f', '\u0080', '\u009f', '\u200d', '\u200e', '\ue000', '\u{f0000}', '\u0378', '\u{e0001}', '\ufffd', '\u{10ffff}', '\u1c89', '\u{1e5d0}'];
const SPECIAL_TEXT = ['<s>', '</s>', '<unk>', '<|endoftext|>', '<|im_end|>', '<0x0A>', '<0x41>', '<s', 's>', '<</s>>', '▁', '▁▁', 'Ġ', 'Ċ', '[INST]', '<<SYS>>', '<image>'];
const PUNCTUATION = ['.', ',', '!', '?', '...', ' .', ' ,', ' !', ' ?', ' ; ', '—', '–', '“quoted”', '«»', '¿¡', '(', ')', '"', "' '", " ' ", '·', '…'];

const POOLS: readonly (readonly string[])[] = [WORDS, WORDS, WORDS, CONTRACTIONS, CODE, NUMBERS, SCRIPTS, EMOJI, COMBINING, WHITESPACE, WHITESPACE, CONTROL, SPECIAL_TEXT, PUNCTUATION];

/** Code point ranges for uniformly random characters (surrogates excluded). */
const RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x20, 0x7e], [0x00, 0x1f], [0xa0, 0x24f], [0x300, 0x36f], [0x370, 0x3ff], [0x400, 0x52f], [0x590, 0x6ff], [0x900, 0xdff],
  [0xe00, 0xeff], [0x1100, 0x11ff], [0x1c80, 0x1cff], [0x2000, 0x206f], [0x2070, 0x2bff], [0x3000, 0x30ff], [0x4e00, 0x9fff],
  [0xac00, 0xd7a3], [0xe000, 0xf8ff], [0xfb00, 0xfffd], [0x10000, 0x1ffff], [0x1f300, 0x1faff], [0x20000, 0x323af], [0xe0000, 0xe01ef],
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function randomCodepoints(random: () => number): string {
  const length = 1 + Math.floor(random() * 12);
  let text = '';
  for (let i = 0; i < length; i++) {
    const [low, high] = pick(random, RANGES);
    text += String.fromCodePoint(low + Math.floor(random() * (high - low + 1)));
  }
  return text;
}

/** One test string. */
export function randomText(random: () => number): string {
  const roll = random();
  if (roll < 0.02) return '';
  if (roll < 0.15) return randomCodepoints(random);
  const parts = 1 + Math.floor(random() * 14);
  let text = random() < 0.2 ? pick(random, WHITESPACE) : '';
  for (let i = 0; i < parts; i++) {
    text += random() < 0.1 ? randomCodepoints(random) : pick(random, pick(random, POOLS));
    const joiner = random();
    if (joiner < 0.55) text += ' ';
    else if (joiner < 0.65) text += pick(random, WHITESPACE);
  }
  return text;
}

/** `count` strings from `seed`. */
export function randomTexts(seed: number, count: number): string[] {
  const rng = new SeededRng(seed);
  const random = () => rng.next();
  return Array.from({ length: count }, () => randomText(random));
}
