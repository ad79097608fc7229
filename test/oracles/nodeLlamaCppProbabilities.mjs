// Oracle: llama.cpp's next-token distributions under teacher forcing, through
// node-llama-cpp@3.21.1 (CPU binary). Input (argv[2], JSON):
// { model, tokens: number[], top: number, threads }. For every position i the
// answer holds llama.cpp's `top` most probable next tokens after tokens[0..i]
// as [token, probability] pairs. Answers { ok, result | error } over IPC.
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';

const input = JSON.parse(process.argv[2]);
try {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.disabled, maxThreads: input.threads });
  const model = await llama.loadModel({ modelPath: input.model, gpuLayers: 0 });
  // llama.cpp's classic attention (no flash attention): the path the golden files were made with.
  const context = await model.createContext({ contextSize: Math.max(256, input.tokens.length + 8), threads: input.threads, sequences: 1, flashAttention: false });
  const sequence = context.getSequence();
  const probe = { generateNext: { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } } };
  const steps = await sequence.controlledEvaluate(input.tokens.map((t) => [t, probe]));
  const positions = steps.map((step) => [...step.next.probabilities.entries()].sort((a, b) => b[1] - a[1]).slice(0, input.top));
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  process.send({ ok: true, result: positions });
} catch (error) {
  process.send({ ok: false, error: String(error?.stack ?? error) });
}
