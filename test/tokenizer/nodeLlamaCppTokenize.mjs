// Oracle: llama.cpp's tokenizer through node-llama-cpp@3.21.1 (CPU binary, vocab only).
// Input (argv[2], JSON): { requestPath } naming a JSON file { vocabs: [{ path, texts: string[] }] }
// (a file, because a few thousand strings exceed the limit on one argument).
// For each vocab and text, for parseSpecial false and true: the ids (no BOS/EOS)
// and their detokenization without and with special-token rendering; plus the
// vocab's BOS/EOS and every end-of-generation token id.
// Answers { ok, result | error } over IPC.
import { readFileSync } from 'node:fs';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';

const { requestPath } = JSON.parse(process.argv[2]);
try {
  const request = JSON.parse(readFileSync(requestPath, 'utf8'));
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.disabled });
  const results = [];
  for (const { path, texts } of request.vocabs) {
    const model = await llama.loadModel({ modelPath: path, vocabOnly: true });
    const tokenize = (text, parseSpecial) => {
      const ids = model.tokenize(text, parseSpecial);
      return { ids, text: model.detokenize(ids, false), textSpecial: model.detokenize(ids, true) };
    };
    const endOfGeneration = [];
    for (const token of model.iterateAllTokens()) if (model.isEogToken(token)) endOfGeneration.push(token);
    results.push({
      path,
      bos: model.tokens.bos,
      eos: model.tokens.eos,
      endOfGeneration,
      cases: texts.map((text) => ({ plain: tokenize(text, false), special: tokenize(text, true) })),
    });
    await model.dispose();
  }
  await llama.dispose();
  process.send({ ok: true, result: results });
} catch (error) {
  process.send({ ok: false, error: String(error?.stack ?? error) });
}
