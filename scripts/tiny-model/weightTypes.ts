/**
 * Which ggml type each weight gets: one type everywhere, or a named mix that
 * follows llama-quantize's rules for it.
 */

export type WeightRole =
  | 'token_embd'
  | 'output'
  | 'attn_q'
  | 'attn_k'
  | 'attn_v'
  | 'attn_output'
  | 'ffn_gate'
  | 'ffn_up'
  | 'ffn_down';

/** llama.cpp's `general.file_type` ids for the types and mixes make-tiny-model writes. */
const FILE_TYPES: Record<string, number> = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q4_1: 3,
  Q8_0: 7,
  Q5_0: 8,
  Q5_1: 9,
  Q2_K: 10,
  Q3_K: 12, // Q3_K_M
  Q4_K: 14, // Q4_K_S
  Q4_K_M: 15,
  Q5_K: 16, // Q5_K_S
  Q6_K: 18,
  IQ4_NL: 25,
  IQ4_XS: 30,
  BF16: 32,
};

export const WEIGHT_TYPE_CHOICES = Object.keys(FILE_TYPES);

export function fileTypeOf(weightType: string): number {
  const id = FILE_TYPES[weightType];
  if (id === undefined) throw new Error(`unknown weight type '${weightType}' (choose from ${WEIGHT_TYPE_CHOICES.join(', ')})`);
  return id;
}

/**
 * The Q4_K_M mix: Q4_K everywhere, Q6_K for the output (or a tied token_embd)
 * and for attn_v / ffn_down in the first and last eighth of the layers and in
 * every third layer between (llama-quantize's "use more bits" rule).
 */
export function weightTypeFor(weightType: string, role: WeightRole, layer: number, nLayer: number, tiedOutput: boolean): string {
  if (weightType !== 'Q4_K_M') return weightType;
  if (role === 'output' || (role === 'token_embd' && tiedOutput)) return 'Q6_K';
  if (role === 'attn_v' || role === 'ffn_down') {
    const eighth = Math.floor(nLayer / 8);
    const moreBits = layer < eighth || layer >= Math.floor((7 * nLayer) / 8) || (layer - eighth) % 3 === 2;
    return moreBits ? 'Q6_K' : 'Q4_K';
  }
  return 'Q4_K';
}
