/**
 * A synthetic LLaVA-1.5 mmproj in the legacy llama.cpp layout (spec §5.2–5.3):
 * CLIP ViT with CLS token and pre-LN, no post-LN, fc1/fc2 stored under the
 * swapped legacy names ffn_down/ffn_up, and the two-layer `mlp` projector.
 */
import { GgufWriter } from '../../lib/gguf/GgufWriter.js';
import { GgufValueType } from '../../lib/gguf/valueTypes.js';
import type { VisionShape } from './presets.js';
import { randomNormal } from './randomTensor.js';

export interface VisionModelSpec extends VisionShape {
  name: string;
  /** Width of the text model the projector feeds. */
  projectionDim: number;
  /** Type of the 2-D weights (F16 as converted, or e.g. Q8_0 as clip-quantize writes). */
  weightType: string;
  seed: number;
  ggufVersion: 2 | 3;
}

// CLIP's normalisation constants (openai/clip-vit-large-patch14-336).
const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

export async function writeVisionModel(path: string, spec: VisionModelSpec): Promise<void> {
  const { nEmbd, nFf, patchSize, imageSize } = spec;
  const nPositions = (imageSize / patchSize) ** 2 + 1;
  if (!Number.isInteger(imageSize / patchSize)) throw new Error(`image size ${imageSize} is not a multiple of patch ${patchSize}`);

  const w = new GgufWriter();
  w.setString('general.architecture', 'clip');
  w.setBool('clip.has_text_encoder', false);
  w.setBool('clip.has_vision_encoder', true);
  w.setBool('clip.has_llava_projector', true);
  w.setUint32('general.file_type', spec.weightType === 'F16' ? 1 : spec.weightType === 'F32' ? 0 : 8);
  w.setString('general.name', spec.name);
  w.setString('general.description', 'synthetic image encoder for LLaVA (random weights)');
  w.setString('clip.projector_type', 'mlp');
  w.setUint32('clip.vision.image_size', imageSize);
  w.setUint32('clip.vision.patch_size', patchSize);
  w.setUint32('clip.vision.embedding_length', nEmbd);
  w.setUint32('clip.vision.feed_forward_length', nFf);
  w.setUint32('clip.vision.projection_dim', 768); // CLIP's own projection width; unused by LLaVA
  w.setUint32('clip.vision.attention.head_count', spec.nHead);
  w.setFloat32('clip.vision.attention.layer_norm_epsilon', spec.eps);
  w.setUint32('clip.vision.block_count', spec.nLayer);
  w.setArray('clip.vision.image_mean', GgufValueType.FLOAT32, CLIP_MEAN);
  w.setArray('clip.vision.image_std', GgufValueType.FLOAT32, CLIP_STD);
  w.setBool('clip.use_gelu', false);
  if (spec.weightType !== 'F16' && spec.weightType !== 'F32') w.setUint32('general.quantization_version', 2);

  // clip-quantize converts 2-D weights whose rows are longer than one block;
  // everything else keeps its converted type.
  const matrixType = (nIn: number) => (nIn > 32 ? spec.weightType : 'F16');
  const matrix = (name: string, nIn: number, nOut: number) =>
    w.addTensor({ name, type: matrixType(nIn), shape: [nIn, nOut], data: randomNormal(spec.seed, name, 1 / Math.sqrt(nIn)) });
  const vector = (name: string, n: number, std: number, mean = 0) =>
    w.addTensor({ name, type: 'F32', shape: [n], data: randomNormal(spec.seed, name, std, mean) });

  matrix('mm.0.weight', nEmbd, spec.projectionDim);
  vector('mm.0.bias', spec.projectionDim, 0.1);
  matrix('mm.2.weight', spec.projectionDim, spec.projectionDim);
  vector('mm.2.bias', spec.projectionDim, 0.1);
  vector('v.class_embd', nEmbd, 0.5);
  w.addTensor({
    name: 'v.patch_embd.weight',
    type: 'F16', // the converter always writes the 4-D kernel as F16
    shape: [patchSize, patchSize, 3, nEmbd],
    data: randomNormal(spec.seed, 'v.patch_embd.weight', 1 / Math.sqrt(3 * patchSize * patchSize)),
  });
  w.addTensor({
    name: 'v.position_embd.weight',
    type: matrixType(nEmbd),
    shape: [nEmbd, nPositions],
    data: randomNormal(spec.seed, 'v.position_embd.weight', 0.5),
  });
  vector('v.pre_ln.weight', nEmbd, 0.1, 1);
  vector('v.pre_ln.bias', nEmbd, 0.1);
  for (let i = 0; i < spec.nLayer; i++) {
    const b = `v.blk.${i}`;
    for (const proj of ['attn_k', 'attn_v', 'attn_q', 'attn_out']) {
      matrix(`${b}.${proj}.weight`, nEmbd, nEmbd);
      vector(`${b}.${proj}.bias`, nEmbd, 0.1);
    }
    vector(`${b}.ln1.weight`, nEmbd, 0.1, 1);
    vector(`${b}.ln1.bias`, nEmbd, 0.1);
    matrix(`${b}.ffn_down.weight`, nEmbd, nFf); // fc1 under its legacy name
    vector(`${b}.ffn_down.bias`, nFf, 0.1);
    matrix(`${b}.ffn_up.weight`, nFf, nEmbd); // fc2 under its legacy name
    vector(`${b}.ffn_up.bias`, nEmbd, 0.1);
    vector(`${b}.ln2.weight`, nEmbd, 0.1, 1);
    vector(`${b}.ln2.bias`, nEmbd, 0.1);
  }

  await w.write(path, { version: spec.ggufVersion });
}
