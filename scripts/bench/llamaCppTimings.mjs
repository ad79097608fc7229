// llama.cpp's side of the decoder benchmark, through node-llama-cpp@3.21.1
// (its CPU binary, classic attention). Input (argv[2], JSON):
// { model, prompt, tokens, threads, runs }. Times the prompt evaluation and the
// greedy generation of `tokens` tokens; answers { ok, result | error } over IPC.
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';

const input = JSON.parse(process.argv[2]);
try {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.disabled, maxThreads: input.threads });
  const model = await llama.loadModel({ modelPath: input.model, gpuLayers: 0 });
  const runs = [];
  for (let run = 0; run < input.runs; run++) {
    const context = await model.createContext({ contextSize: 1024, threads: input.threads, sequences: 1, flashAttention: false, batchSize: 512 });
    const sequence = context.getSequence();
    const prompt = [model.tokens.bos, ...model.tokenize(input.prompt)];
    const greedy = { generateNext: { token: true, options: { temperature: 0 } } };
    const started = performance.now();
    let step = await sequence.controlledEvaluate(prompt.map((t, i) => (i === prompt.length - 1 ? [t, greedy] : t)));
    const promptMs = performance.now() - started;
    const decodeStarted = performance.now();
    for (let i = 1; i < input.tokens; i++) step = await sequence.controlledEvaluate([[step.at(-1).next.token, greedy]]);
    const generateMs = performance.now() - decodeStarted;
    runs.push({ promptTokens: prompt.length, promptMs, generatedTokens: input.tokens - 1, generateMs });
    await context.dispose();
  }
  await model.dispose();
  await llama.dispose();
  process.send({ ok: true, result: runs });
} catch (error) {
  process.send({ ok: false, error: String(error?.stack ?? error) });
}
