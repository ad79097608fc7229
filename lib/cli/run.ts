/**
 * `llava run --model M --prompt P [...]`: streams the answer to stdout; with
 * --json prints one object at the end instead:
 * { "promptTokens": [...], "tokens": [...], "text": "...", "finishReason", "timings": {...} }.
 */
import { LlavaModel } from '../LlavaModel.js';
import type { Device } from '../native/loadAddon.js';
import type { Numerics } from '../options.js';

export interface RunOptions {
  model: string;
  mmproj?: string;
  image?: string[];
  visionCompat?: 'reference' | 'llama.cpp';
  numerics?: Numerics;
  prompt: string;
  raw?: boolean;
  maxTokens?: number;
  temp?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  repeatPenalty?: number;
  seed?: number;
  threads?: number;
  contextSize?: number;
  device?: Device;
  json?: boolean;
}

export async function runCommand(o: RunOptions): Promise<void> {
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  const model = await LlavaModel.load({
    model: o.model,
    mmproj: o.mmproj,
    visionCompat: o.visionCompat,
    numerics: o.numerics,
    threads: o.threads,
    contextSize: o.contextSize,
    device: o.device,
  });
  try {
    const request = {
      prompt: o.prompt,
      raw: o.raw,
      images: o.image,
      maxTokens: o.maxTokens,
      temperature: o.temp,
      topK: o.topK,
      topP: o.topP,
      minP: o.minP,
      repeatPenalty: o.repeatPenalty,
      seed: o.seed,
      signal: controller.signal,
    };
    if (o.json) {
      const result = await model.generate(request);
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    const stream = model.stream(request);
    let step = await stream.next();
    while (!step.done) {
      process.stdout.write(step.value.text);
      step = await stream.next();
    }
    process.stdout.write('\n');
    const t = step.value.timings;
    process.stderr.write(
      `[${step.value.finishReason}] prompt ${t.promptTokens} tokens at ${t.promptTokensPerSecond.toFixed(1)}/s, ` +
        `generated ${t.generatedTokens} at ${t.generatedTokensPerSecond.toFixed(1)}/s\n`,
    );
  } finally {
    process.off('SIGINT', onSigint);
    await model.dispose();
  }
}
