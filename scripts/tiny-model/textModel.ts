/**
 * A synthetic LLaMA text model (spec §3): llama.cpp's tensor names and
 * metadata, the tokenizer copied from a real vocab GGUF, random weights.
 */
import { GgufFile } from '../../lib/gguf/GgufFile.js';
import { GgufWriter } from '../../lib/gguf/GgufWriter.js';
import type { TextShape } from './presets.js';
import { randomNormal } from './randomTensor.js';
import { weightTypeFor, fileTypeOf } from './weightTypes.js';

/** Standard deviation of the logits over the vocabulary, roughly. */
const LOGIT_SCALE = 3;

export interface TextModelSpec extends TextShape {
  name: string;
  /** A GGUF whose `tokenizer.*` metadata is copied (e.g. ggml-vocab-llama-spm.gguf). */
  vocab: string;
  /** A ggml type for every 2-D weight, or the mix 'Q4_K_M'. */
  weightType: string;
  /** Omit output.weight so the logits reuse token_embd (as in the golden tiny model). */
  tiedOutput: boolean;
  seed: number;
  ggufVersion: 2 | 3;
}

export async function writeTextModel(path: string, spec: TextModelSpec): Promise<void> {
  const vocab = await GgufFile.open(spec.vocab);
  const tokens = vocab.get('tokenizer.ggml.tokens') as string[] | undefined;
  if (!tokens) throw new Error(`${spec.vocab} has no tokenizer.ggml.tokens`);
  const nVocab = tokens.length;
  const headDim = spec.nEmbd / spec.nHead;
  if (!Number.isInteger(headDim) || spec.nHead % spec.nHeadKv !== 0) {
    throw new Error(`n_embd ${spec.nEmbd} must divide into ${spec.nHead} heads, and heads into ${spec.nHeadKv} KV heads`);
  }

  const w = new GgufWriter();
  w.setString('general.architecture', 'llama');
  w.setString('general.name', spec.name);
  w.setUint32('llama.context_length', spec.nCtx);
  w.setUint32('llama.embedding_length', spec.nEmbd);
  w.setUint32('llama.block_count', spec.nLayer);
  w.setUint32('llama.feed_forward_length', spec.nFf);
  w.setUint32('llama.attention.head_count', spec.nHead);
  w.setUint32('llama.attention.head_count_kv', spec.nHeadKv);
  w.setFloat32('llama.attention.layer_norm_rms_epsilon', spec.rmsEps);
  w.setUint32('llama.rope.dimension_count', headDim);
  w.setFloat32('llama.rope.freq_base', spec.ropeBase);
  w.setUint32('llama.vocab_size', nVocab);
  w.setUint32('general.file_type', fileTypeOf(spec.weightType));
  if (spec.weightType !== 'F32' && spec.weightType !== 'F16' && spec.weightType !== 'BF16') {
    w.setUint32('general.quantization_version', 2);
  }
  for (const key of vocab.keys()) {
    if (key.startsWith('tokenizer.')) w.set(key, vocab.getTyped(key)!);
  }
  vocab.close();

  const typeOf = (role: Parameters<typeof weightTypeFor>[1], layer = 0) =>
    weightTypeFor(spec.weightType, role, layer, spec.nLayer, spec.tiedOutput);
  const linear = (name: string, nIn: number, nOut: number, type: string, gain = 1) =>
    w.addTensor({ name, type, shape: [nIn, nOut], data: randomNormal(spec.seed, name, gain / Math.sqrt(nIn)) });
  const norm = (name: string) =>
    w.addTensor({ name, type: 'F32', shape: [spec.nEmbd], data: randomNormal(spec.seed, name, 0.1, 1) });

  // Scales keep the model well conditioned, like a trained one: every
  // projection preserves the size of its (normalised) input, and the logits
  // spread over a few units (std LOGIT_SCALE), whether the output matrix is
  // its own or the tied token_embd. A badly conditioned random model turns
  // one rounding difference into a different distribution.
  const kvWidth = spec.nHeadKv * headDim;
  // The projections that write into the residual stream are scaled by
  // 1/sqrt(2·layers) (GPT-2's initialisation), so each layer nudges the stream
  // rather than replacing it.
  const residualGain = 1 / Math.sqrt(2 * spec.nLayer);
  w.addTensor({
    name: 'token_embd.weight',
    type: typeOf('token_embd'),
    shape: [spec.nEmbd, nVocab],
    data: randomNormal(spec.seed, 'token_embd.weight', LOGIT_SCALE / Math.sqrt(spec.nEmbd)),
  });
  for (let i = 0; i < spec.nLayer; i++) {
    const b = `blk.${i}`;
    norm(`${b}.attn_norm.weight`);
    linear(`${b}.attn_q.weight`, spec.nEmbd, spec.nEmbd, typeOf('attn_q', i));
    linear(`${b}.attn_k.weight`, spec.nEmbd, kvWidth, typeOf('attn_k', i));
    linear(`${b}.attn_v.weight`, spec.nEmbd, kvWidth, typeOf('attn_v', i));
    linear(`${b}.attn_output.weight`, spec.nEmbd, spec.nEmbd, typeOf('attn_output', i), residualGain);
    norm(`${b}.ffn_norm.weight`);
    linear(`${b}.ffn_gate.weight`, spec.nEmbd, spec.nFf, typeOf('ffn_gate', i));
    linear(`${b}.ffn_up.weight`, spec.nEmbd, spec.nFf, typeOf('ffn_up', i));
    linear(`${b}.ffn_down.weight`, spec.nFf, spec.nEmbd, typeOf('ffn_down', i), residualGain);
  }
  norm('output_norm.weight');
  if (!spec.tiedOutput) linear('output.weight', spec.nEmbd, nVocab, typeOf('output'), LOGIT_SCALE);

  await w.write(path, { version: spec.ggufVersion });
}
