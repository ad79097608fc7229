/**
 * Vocab-only GGUF files derived from the two fixture vocabularies, to exercise
 * settings the fixtures lack (other pre-tokenizers, no space prefix,
 * USER_DEFINED tokens, text-detected end-of-turn tokens, Phi-3's RSTRIP, EOS
 * adding) against llama.cpp.
 */
import { join } from 'node:path';

import { GgufFile } from '../../lib/gguf/GgufFile.js';
import { GgufWriter } from '../../lib/gguf/GgufWriter.js';
import { GgufValueType } from '../../lib/gguf/valueTypes.js';
import { fixture } from '../support/paths.js';

export const LLAMA_SPM = fixture('ggml-vocab-llama-spm.gguf');
export const GPT2 = fixture('ggml-vocab-gpt-2.gguf');

interface Variant {
  name: string;
  base: string;
  edit(writer: GgufWriter, tokens: string[], tokenTypes: Int32Array): void;
}

const USER_DEFINED = 4;
const NORMAL = 1;

const VARIANTS: Variant[] = [
  {
    name: 'gpt2-llama-bpe',
    base: GPT2,
    edit: (writer) => writer.setString('tokenizer.ggml.pre', 'llama-bpe'),
  },
  {
    name: 'gpt2-default',
    base: GPT2,
    edit: (writer) => writer.setString('tokenizer.ggml.pre', 'default'),
  },
  {
    // No space prefix; "ing" and "the" (as typed) always match as USER_DEFINED
    // tokens; two rare tokens renamed to end-of-turn texts become CONTROL + EOG.
    name: 'spm-no-prefix-user-defined',
    base: LLAMA_SPM,
    edit: (writer, tokens, tokenTypes) => {
      writer.setBool('tokenizer.ggml.add_space_prefix', false);
      writer.setBool('tokenizer.ggml.add_eos_token', true);
      for (const text of ['ing', 'the']) tokenTypes[tokens.indexOf(text)] = USER_DEFINED;
      tokens[31990] = '<|im_end|>';
      tokenTypes[31990] = NORMAL;
      tokens[31991] = '<|im_start|>';
      tokenTypes[31991] = USER_DEFINED;
    },
  },
  {
    // Phi-3 by name: special tokens (here "</s>" and a USER_DEFINED "<|user|>") swallow whitespace after them.
    // llama.cpp refuses a Phi-3 vocabulary without "<|endoftext|>".
    name: 'spm-phi3',
    base: LLAMA_SPM,
    edit: (writer, tokens, tokenTypes) => {
      writer.setString('general.name', 'Phi3-mini');
      tokens[31990] = '<|user|>';
      tokenTypes[31990] = USER_DEFINED;
      tokens[31991] = '<|end|>';
      tokenTypes[31991] = NORMAL;
      tokens[31992] = '<|endoftext|>';
      tokenTypes[31992] = USER_DEFINED;
    },
  },
];

/** Writes every variant into `dir`; returns name → path. */
export async function writeVocabVariants(dir: string): Promise<Map<string, string>> {
  const paths = new Map<string, string>();
  for (const variant of VARIANTS) {
    const file = await GgufFile.open(variant.base);
    const writer = new GgufWriter();
    for (const key of file.keys()) writer.set(key, file.getTyped(key) as NonNullable<ReturnType<GgufFile['getTyped']>>);
    const tokens = [...(file.get('tokenizer.ggml.tokens') as string[])];
    const tokenTypes = Int32Array.from(file.get('tokenizer.ggml.token_type') as Int32Array);
    file.close();
    variant.edit(writer, tokens, tokenTypes);
    writer.setArray('tokenizer.ggml.tokens', GgufValueType.STRING, tokens);
    writer.setArray('tokenizer.ggml.token_type', GgufValueType.INT32, tokenTypes);
    const path = join(dir, `${variant.name}.gguf`);
    await writer.write(path);
    paths.set(variant.name, path);
  }
  return paths;
}
