// Oracle: llama.cpp with mtmd (image + text) through @fugood/llama.node@1.7.15 (CPU binary).
// Input (argv[2], JSON): { pairs: [{ model, mmproj }], image, prompt, tokens, threads }.
// `prompt` must contain the media marker <__media__>. For each pair: load,
// tokenize with the image, generate greedily (temperature 0, top_k 1).
// Answers { ok, result | error } over IPC.
import { loadModel } from '@fugood/llama.node';

const input = JSON.parse(process.argv[2]);
try {
  const results = [];
  for (const pair of input.pairs) {
    const context = await loadModel({
      model: pair.model,
      n_ctx: 2048,
      n_batch: 512,
      n_threads: input.threads,
      n_gpu_layers: 0,
      n_parallel: 1,
      devices: ['CPU'],
    });
    const multimodal = context.initMultimodal({ path: pair.mmproj, use_gpu: false });
    const tokenized = await context.tokenize(input.prompt, { media_paths: [input.image] });
    const pieces = [];
    const completion = await context.completion(
      { prompt: input.prompt, media_paths: [input.image], n_predict: input.tokens, temperature: 0, top_k: 1 },
      (token) => pieces.push(token.token),
    );
    results.push({
      ...pair,
      multimodal,
      promptTokens: Array.from(tokenized.tokens),
      mediaChunks: Array.from(tokenized.chunk_pos_media ?? []),
      pieces,
      text: completion.text,
      tokensPredicted: completion.tokens_predicted ?? pieces.length,
    });
    context.releaseMultimodal();
    await context.release();
  }
  process.send({ ok: true, result: results });
} catch (error) {
  process.send({ ok: false, error: String(error?.stack ?? error) });
}
