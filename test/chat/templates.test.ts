/**
 * Chat formats and prompt segmentation. The Vicuna v1 prompt for one image and
 * one question must give exactly the token sequence llava-cli builds (spec
 * §7.1): the text before <image> tokenized with BOS, the text after it on its
 * own (special tokens parsed both times) — the oracle tokenizes those two
 * texts, written here from the spec, with llama.cpp itself.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { builtinTemplate } from '../../lib/chat/builtinTemplates.js';
import { placeImages } from '../../lib/chat/placeImages.js';
import { segmentPrompt } from '../../lib/chat/promptSegments.js';
import { selectChatTemplate } from '../../lib/chat/selectTemplate.js';
import { InvalidArgumentError } from '../../lib/errors.js';
import { Tokenizer } from '../../lib/tokenizer/Tokenizer.js';
import { runOracle } from '../oracles/runOracle.js';
import { fixture, scratchDir } from '../support/paths.js';

let tokenizer: Tokenizer;
beforeAll(async () => {
  tokenizer = await Tokenizer.fromGguf(fixture('ggml-vocab-llama-spm.gguf'));
});

const SYSTEM =
  "A chat between a curious human and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to the human's questions.";

describe('llava-1.5 (Vicuna v1)', () => {
  it('renders LLaVA’s llava_v1 text, with the image marker first in the first user message', () => {
    const text = builtinTemplate('llava-1.5').render(placeImages([{ role: 'user', content: 'What is in the image?' }], 1));
    expect(text).toBe(`${SYSTEM} USER: <image>\nWhat is in the image? ASSISTANT:`);
  });

  it('renders multi-turn conversations with </s> after each answer', () => {
    const text = builtinTemplate('llava-1.5').render([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello.' },
      { role: 'user', content: 'Again?' },
    ]);
    expect(text).toBe(`${SYSTEM} USER: Hi ASSISTANT: Hello.</s>USER: Again? ASSISTANT:`);
  });

  it('gives exactly the tokens llava-cli builds for one image and one question', async () => {
    const text = builtinTemplate('llava-1.5').render(placeImages([{ role: 'user', content: 'What is in the image?' }], 1));
    const segments = segmentPrompt(text, tokenizer);

    const before = `${SYSTEM} USER: `;
    const after = '\nWhat is in the image? ASSISTANT:';
    const dir = await scratchDir('chat');
    const requestPath = join(dir, 'request.json');
    await writeFile(requestPath, JSON.stringify({ vocabs: [{ path: fixture('ggml-vocab-llama-spm.gguf'), texts: [before, after] }] }));
    const [oracle] = await runOracle<{ bos: number; cases: { special: { ids: number[] } }[] }[]>('../tokenizer/nodeLlamaCppTokenize.mjs', {
      requestPath,
    });
    const expected = [
      { kind: 'tokens', tokens: [oracle!.bos, ...oracle!.cases[0]!.special.ids] },
      { kind: 'image', index: 0 },
      { kind: 'tokens', tokens: oracle!.cases[1]!.special.ids },
    ];
    expect(segments).toEqual(expected);
    // The spec's landmarks: BOS first; the second piece starts "▁" "\n" (29871, 13).
    expect(segments[0]).toMatchObject({ tokens: expect.arrayContaining([1]) });
    expect((segments[2] as { tokens: number[] }).tokens.slice(0, 2)).toEqual([29871, 13]);
  });
});

describe('other formats', () => {
  const ask = [{ role: 'user' as const, content: '<image>\nDescribe it.' }];

  it('mistral-instruct', () => {
    expect(builtinTemplate('mistral-instruct').render(ask)).toBe('[INST] <image>\nDescribe it. [/INST]');
    expect(
      builtinTemplate('mistral-instruct').render([
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'c' },
      ]),
    ).toBe('[INST] a [/INST] b </s>[INST] c [/INST]');
  });

  it('chatml (LLaVA-1.6-34B)', () => {
    expect(builtinTemplate('chatml').render(ask)).toBe(
      '<|im_start|>system\nAnswer the questions.<|im_end|><|im_start|>user\n<image>\nDescribe it.<|im_end|><|im_start|>assistant\n',
    );
  });

  it('llama-3', () => {
    expect(builtinTemplate('llama-3').render([{ role: 'system', content: 'Be brief.' }, ...ask])).toBe(
      '<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n<image>\nDescribe it.<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it('a GGUF Jinja template, with its BOS text left to tokenization', () => {
    const template = selectChatTemplate({
      chatTemplate:
        "{{ bos_token }}{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}",
      specialTokens: { bos: '<s>', eos: '</s>' },
    });
    expect(template.render([{ role: 'user', content: 'Hi <image>' }])).toBe('user: Hi <image>\nassistant:');
  });

  it('picks a format from the model name when the file has no template', () => {
    const pick = (name: string) => selectChatTemplate({ name, specialTokens: {} }).name;
    expect(pick('llava-v1.5-7b')).toBe('llava-1.5');
    expect(pick('llava-v1.6-mistral-7b')).toBe('mistral-instruct');
    expect(pick('llava-v1.6-34b')).toBe('chatml');
    expect(pick('llava-llama-3-8b')).toBe('llama-3');
    expect(selectChatTemplate({ name: 'llava-v1.5-7b', specialTokens: {} }, 'chatml').name).toBe('chatml');
  });
});

describe('image markers', () => {
  it('puts one marker per image before the first user message when there is none', () => {
    expect(placeImages([{ role: 'user', content: 'Compare.' }], 2)[0]!.content).toBe('<image>\n<image>\nCompare.');
  });

  it('rejects a marker count that disagrees with the images', () => {
    expect(() => placeImages([{ role: 'user', content: '<image> and <image>' }], 1)).toThrow(InvalidArgumentError);
    expect(() => placeImages([{ role: 'assistant', content: '<image>' }], 1)).toThrow(/only appear in user messages/);
  });

  it('splits a raw prompt at every marker, each piece tokenized on its own', () => {
    const segments = segmentPrompt('<image>one<image>two', tokenizer);
    expect(segments.map((s) => s.kind)).toEqual(['tokens', 'image', 'tokens', 'image', 'tokens']);
    expect(segments[0]).toEqual({ kind: 'tokens', tokens: [1] }); // BOS only
    expect(segments[2]).toEqual({ kind: 'tokens', tokens: tokenizer.tokenize('one', { addSpecial: false, parseSpecial: true }) });
  });
});
