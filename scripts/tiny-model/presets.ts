/**
 * Model shapes for synthetic models. `tiny` is for tests; the others are the
 * real shapes the benchmarks need (weights are random, shapes are exact).
 */

export interface TextShape {
  nEmbd: number;
  nFf: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  nCtx: number;
  ropeBase: number;
  rmsEps: number;
}

export interface VisionShape {
  imageSize: number;
  patchSize: number;
  nEmbd: number;
  nFf: number;
  /** Stored encoder blocks (a legacy LLaVA mmproj stores CLIP's layers − 1). */
  nLayer: number;
  nHead: number;
  eps: number;
}

export const TEXT_PRESETS = {
  tiny: { nEmbd: 256, nFf: 512, nLayer: 2, nHead: 4, nHeadKv: 2, nCtx: 4096, ropeBase: 10000, rmsEps: 1e-5 },
  'tinyllama-1.1b': { nEmbd: 2048, nFf: 5632, nLayer: 22, nHead: 32, nHeadKv: 4, nCtx: 2048, ropeBase: 10000, rmsEps: 1e-5 },
  'llama-7b': { nEmbd: 4096, nFf: 11008, nLayer: 32, nHead: 32, nHeadKv: 32, nCtx: 4096, ropeBase: 10000, rmsEps: 1e-5 },
} satisfies Record<string, TextShape>;

export const VISION_PRESETS = {
  tiny: { imageSize: 336, patchSize: 14, nEmbd: 64, nFf: 256, nLayer: 3, nHead: 4, eps: 1e-5 },
  'clip-vit-l-336': { imageSize: 336, patchSize: 14, nEmbd: 1024, nFf: 4096, nLayer: 23, nHead: 16, eps: 1e-5 },
} satisfies Record<string, VisionShape>;

export type TextPreset = keyof typeof TEXT_PRESETS;
export type VisionPreset = keyof typeof VISION_PRESETS;
