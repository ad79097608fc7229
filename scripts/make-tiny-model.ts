/**
 * make-tiny-model: writes a synthetic LLaVA-1.5 pair — a LLaMA text GGUF and
 * a legacy-layout mmproj GGUF — from shapes, tensor types and a seed. The
 * tokenizer is copied from a real vocab GGUF. Tests use the tiny preset;
 * benchmarks use the real shapes (TinyLlama-1.1B, LLaMA-7B, CLIP ViT-L/14-336).
 *
 *   scripts/make-tiny-model --out DIR --vocab ../shared/fixtures/ggml-vocab-llama-spm.gguf \
 *     [--text-preset tiny|tinyllama-1.1b|llama-7b] [--text-type Q4_K_M] \
 *     [--vision-preset tiny|clip-vit-l-336|none] [--mmproj-type F16|Q8_0] [--seed 1]
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { Command, Option } from 'commander';

import { parseInteger as int } from '../lib/cli/parseInteger.js';
import { TEXT_PRESETS, type TextPreset, VISION_PRESETS, type VisionPreset } from './tiny-model/presets.js';
import { writeTextModel } from './tiny-model/textModel.js';
import { writeVisionModel } from './tiny-model/visionModel.js';
import { WEIGHT_TYPE_CHOICES } from './tiny-model/weightTypes.js';


const program = new Command('make-tiny-model')
  .description('Write a synthetic LLaVA-1.5 GGUF pair (random weights, real tokenizer)')
  .requiredOption('--out <dir>', 'output directory')
  .requiredOption('--vocab <gguf>', 'GGUF whose tokenizer.* metadata is copied')
  .option('--name <name>', 'file name stem', 'tiny-llava')
  .addOption(new Option('--text-preset <preset>', 'text model shape').choices(Object.keys(TEXT_PRESETS)).default('tiny'))
  .addOption(new Option('--text-type <type>', 'type of the text 2-D weights').choices(WEIGHT_TYPE_CHOICES).default('F16'))
  .option('--n-embd <n>', 'override the text width', int)
  .option('--n-ff <n>', 'override the text FFN width', int)
  .option('--n-layer <n>', 'override the text layer count', int)
  .option('--n-head <n>', 'override the text head count', int)
  .option('--n-head-kv <n>', 'override the text KV head count', int)
  .option('--n-ctx <n>', 'override the training context length', int)
  .option('--tied-output', 'omit output.weight (logits reuse token_embd)', false)
  .addOption(
    new Option('--vision-preset <preset>', 'vision tower shape, or none for a text-only model')
      .choices([...Object.keys(VISION_PRESETS), 'none'])
      .default('tiny'),
  )
  .addOption(new Option('--mmproj-type <type>', 'type of the mmproj 2-D weights').choices(WEIGHT_TYPE_CHOICES).default('F16'))
  .option('--seed <n>', 'random seed', int, 1)
  .addOption(new Option('--gguf-version <v>', 'GGUF version to write').choices(['2', '3']).default('3'));

program.parse();
const o = program.opts();

await mkdir(o.out, { recursive: true });
const ggufVersion = Number(o.ggufVersion) as 2 | 3;
const base = TEXT_PRESETS[o.textPreset as TextPreset];
const text = {
  ...base,
  nEmbd: o.nEmbd ?? base.nEmbd,
  nFf: o.nFf ?? base.nFf,
  nLayer: o.nLayer ?? base.nLayer,
  nHead: o.nHead ?? base.nHead,
  nHeadKv: o.nHeadKv ?? base.nHeadKv,
  nCtx: o.nCtx ?? base.nCtx,
};
const textPath = join(o.out, `${o.name}.gguf`);
const started = Date.now();
await writeTextModel(textPath, {
  ...text,
  name: o.name,
  vocab: o.vocab,
  weightType: o.textType,
  tiedOutput: o.tiedOutput,
  seed: o.seed,
  ggufVersion,
});
const written: Record<string, string> = { text: textPath };
if (o.visionPreset !== 'none') {
  const mmprojPath = join(o.out, `${o.name}-mmproj.gguf`);
  await writeVisionModel(mmprojPath, {
    ...VISION_PRESETS[o.visionPreset as VisionPreset],
    name: `${o.name}-mmproj`,
    projectionDim: text.nEmbd,
    weightType: o.mmprojType,
    seed: o.seed + 1,
    ggufVersion,
  });
  written.mmproj = mmprojPath;
}
console.log(JSON.stringify({ ...written, seconds: (Date.now() - started) / 1000 }));
