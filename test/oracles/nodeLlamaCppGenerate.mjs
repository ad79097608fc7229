// Oracle: llama.cpp's text side through node-llama-cpp@3.21.1 (CPU binary).
// Input (argv[2], JSON): { models: string[], prompt: string, tokens: number, threads: number }.
// For each model: load it, tokenize BOS + prompt, generate `tokens` tokens
// greedily, and report the prompt ids, the generated ids and their text.
// Answers { ok, result | error } over IPC.
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';

const input = JSON.parse(process.argv[2]);
try {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.disabled, maxThreads: input.threads });
  const results = [];
  for (const modelPath of input.models) {
    const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
    // llama.cpp's classic attention (no flash attention): the path the golden files were made with.
    const context = await model.createContext({ contextSize: 256, threads: input.threads, sequences: 1, flashAttention: false });
    const sequence = context.getSequence();
    const promptTokens = [model.tokens.bos, ...model.tokenize(input.prompt)];
    // Token by token through controlledEvaluate, so generation runs the full
    // length even past EOS (evaluate() would stop there).
    const generated = [];
    const greedy = { generateNext: { token: true, options: { temperature: 0 } } };
    let step = await sequence.controlledEvaluate(promptTokens.map((t, i) => (i === promptTokens.length - 1 ? [t, greedy] : t)));
    while (generated.length < input.tokens) {
      const token = step.at(-1).next.token;
      generated.push(token);
      if (generated.length < input.tokens) step = await sequence.controlledEvaluate([[token, greedy]]);
    }
    results.push({
      model: modelPath,
      promptTokens,
      tokens: generated,
      text: model.detokenize(generated),
    });
    await context.dispose();
    await model.dispose();
  }
  await llama.dispose();
  process.send({ ok: true, result: results });
} catch (error) {
  process.send({ ok: false, error: String(error?.stack ?? error) });
}
