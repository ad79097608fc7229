/**
 * llama.cpp's load-time guesses about special tokens from their text
 * (llama_vocab::impl::load): end-of-turn and fill-in-the-middle tokens the
 * metadata does not name, the end-of-generation set, and the attribute fixes
 * that go with them. Control-looking tokens found this way become CONTROL even
 * when the file says NORMAL, which changes how they tokenize and detokenize.
 */
import { TokenAttribute } from './tokenAttributes.js';

/** Special token ids that the metadata may set and the detection may fill in. */
export interface SpecialTokenIds {
  eos?: number;
  eot?: number;
  eom?: number;
  fimPre?: number;
  fimSuf?: number;
  fimMid?: number;
  fimPad?: number;
  fimRep?: number;
  fimSep?: number;
}

type DetectedRole = Exclude<keyof SpecialTokenIds, 'eos'>;

/** Texts that identify each role when the metadata does not give its id. */
const ROLE_TEXTS: Record<DetectedRole, readonly string[]> = {
  eot: ['<|eot_id|>', '<|im_end|>', '<|end|>', '<end_of_turn>', '<|endoftext|>', '<|end_of_text|>', '<EOT>', '_<EOT>', '[EOT]', '<｜end▁of▁sentence｜>', '<end_of_utterance>'],
  eom: ['<|eom_id|>'],
  fimPre: ['<|fim_prefix|>', '<fim-prefix>', '<fim_prefix>', '<｜fim▁begin｜>', '<PRE>', '▁<PRE>', '<|code_prefix|>', '<|prefix|>'],
  fimSuf: ['<|fim_suffix|>', '<fim-suffix>', '<fim_suffix>', '<｜fim▁hole｜>', '<SUF>', '▁<SUF>', '<|code_suffix|>', '<|suffix|>'],
  fimMid: ['<|fim_middle|>', '<fim-middle>', '<fim_middle>', '<｜fim▁end｜>', '<MID>', '▁<MID>', '<|code_middle|>', '<|middle|>'],
  fimPad: ['<|fim_pad|>', '<fim-pad>', '<fim_pad>', '<PAD>', '[PAD]'],
  fimRep: ['<|fim_repo|>', '<|repo_name|>', '<fim-repo>', '<REPO>', '<reponame>'],
  fimSep: ['<|file_sep|>'],
};

/** Token texts that end generation, whatever the metadata says. */
const END_OF_GENERATION_TEXTS = new Set([
  '<|eot_id|>', '<|im_end|>', '<|end|>', '<|return|>', '<|call|>', '<|flush|>', '<|calls|>', '<end_of_turn>',
  '<|endoftext|>', '</s>', '<|eom_id|>', '<EOT>', '_<EOT>', '[EOT]', '[EOS]', '<|end_of_text|>', '<end_of_utterance>',
  '<eos>', '<turn|>', '<|tool_response>', '<｜end▁of▁sentence｜>', '[e~[',
]);

/** gpt-oss formatting tokens that llama.cpp always renders as text. */
const ALWAYS_RENDERED_TEXTS = ['<|channel|>', '<|message|>', '<|start|>', '<|constrain|>'];

/**
 * Fills in `ids` and updates `attributes` in place, as llama.cpp does while
 * loading; returns the end-of-generation token ids.
 *
 * llama.cpp scans an unordered map, so when several tokens fit one role it
 * picks one in hash order; this picks the lowest id.
 */
export function detectSpecialTokens(texts: readonly string[], idByText: ReadonlyMap<string, number>, attributes: Uint16Array, ids: SpecialTokenIds): Set<number> {
  const makeControl = (id: number): void => {
    attributes[id] = (attributes[id] as number) | TokenAttribute.CONTROL;
  };

  for (const role of Object.keys(ROLE_TEXTS) as DetectedRole[]) {
    if (ids[role] !== undefined) continue;
    const candidates = ROLE_TEXTS[role].map((text) => idByText.get(text)).filter((id): id is number => id !== undefined);
    if (candidates.length === 0) continue;
    const id = Math.min(...candidates);
    ids[role] = id;
    makeControl(id);
  }

  // Control tokens named "unused…" are placeholders.
  texts.forEach((text, id) => {
    if ((attributes[id] as number) & TokenAttribute.CONTROL && text.includes('unused')) {
      attributes[id] = (attributes[id] as number) | TokenAttribute.UNUSED;
    }
  });

  const endOfGeneration = new Set<number>();
  for (const id of [ids.fimPad, ids.fimRep, ids.fimSep]) if (id !== undefined) endOfGeneration.add(id);
  for (const text of END_OF_GENERATION_TEXTS) {
    const id = idByText.get(text);
    if (id === undefined) continue;
    endOfGeneration.add(id);
    makeControl(id);
  }

  for (const text of ALWAYS_RENDERED_TEXTS) {
    const id = idByText.get(text);
    if (id !== undefined) attributes[id] = TokenAttribute.USER_DEFINED;
  }

  for (const id of [ids.eos, ids.eot, ids.eom]) if (id !== undefined) endOfGeneration.add(id);

  const eogWithText = (wanted: string): number | undefined => [...endOfGeneration].find((id) => texts[id] === wanted);

  // Harmony-style chat formats (gpt-oss, solar-open) use "<|end|>" between
  // messages, not at the end of generation.
  const hasCall = eogWithText('<|call|>') !== undefined || eogWithText('<|calls|>') !== undefined;
  const end = eogWithText('<|end|>');
  if (end !== undefined && hasCall && (eogWithText('<|return|>') !== undefined || eogWithText('<|flush|>') !== undefined)) {
    endOfGeneration.delete(end);
    attributes[end] = TokenAttribute.USER_DEFINED;
  }

  // Gemma 4 and PaddleOCR: "</s>" is ordinary text there.
  const closingS = eogWithText('</s>');
  if (closingS !== undefined && eogWithText('<|tool_response>') !== undefined) {
    endOfGeneration.delete(closingS);
    attributes[closingS] = TokenAttribute.NORMAL;
  }

  return endOfGeneration;
}
