// Oracle: greedy image + text generation with llama.cpp's mtmd through
// @fugood/llama.node@1.7.15 (CPU binary), several images per loaded pair.
// (llama.node reports token probabilities only after sampling, 1 for the greedy
// pick, so llama.cpp's margins cannot be had from it.)
// Input (argv[2], JSON): { pairs: [{ model, mmproj }], images: [path], prompt, tokens, threads,
// flashAttention? }. `flashAttention` ('on' | 'off' | 'auto') is passed to loadModel as
// flash_attn_type; left out, llama.node's default 'auto' applies (on for the CPU). initMultimodal
// takes no such option: the CLIP context's flash attention is mtmd's own default.
// `prompt` must contain the media marker <__media__>. Each pair is loaded once
// and run on every image. Answers { ok, result | error } over IPC, result being
// one entry per pair with one run per image: { image, promptTokens, pieces, text,
// tokensPredicted } (initMultimodal failing is an error).
import { loadModel } from '@fugood/llama.node';

const input = JSON.parse(process.argv[2]);
try {
  const results = [];
  for (const pair of input.pairs) {
    const context = await loadModel({
      model: pair.model,
      n_ctx: 2048,
      n_batch: 1024,
      n_threads: input.threads,
      n_gpu_layers: 0,
      n_parallel: 1,
      devices: ['CPU'],
      ...(input.flashAttention === undefined ? {} : { flash_attn_type: input.flashAttention }),
    });
    if (!context.initMultimodal({ path: pair.mmproj, use_gpu: false })) throw new Error(`${pair.mmproj}: initMultimodal failed`);
    const runs = [];
    for (const image of input.images) {
      const tokenized = await context.tokenize(input.prompt, { media_paths: [image] });
      const pieces = [];
      const completion = await context.completion(
        { prompt: input.prompt, media_paths: [image], n_predict: input.tokens, temperature: 0, top_k: 1 },
        (token) => pieces.push(token.token),
      );
      runs.push({
        image,
        promptTokens: Array.from(tokenized.tokens),
        pieces,
        text: completion.text,
        tokensPredicted: completion.tokens_predicted ?? pieces.length,
      });
    }
    results.push({ ...pair, runs });
    context.releaseMultimodal();
    await context.release();
  }
  process.send({ ok: true, result: results });
} catch (error) {
  process.send({ ok: false, error: String(error?.stack ?? error) });
}
