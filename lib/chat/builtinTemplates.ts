/**
 * The chat formats LLaVA checkpoints were trained with (LLaVA's conversation
 * templates; spec §7). Each renders exactly the text LLaVA's own code builds.
 */
import { InvalidArgumentError } from '../errors.js';
import type { ChatMessage } from './ChatMessage.js';
import type { ChatTemplate } from './ChatTemplate.js';

export const BUILTIN_TEMPLATE_NAMES = ['llava-1.5', 'mistral-instruct', 'chatml', 'llama-3'] as const;
export type BuiltinTemplateName = (typeof BUILTIN_TEMPLATE_NAMES)[number];

/** Splits off a leading system message; the rest must alternate user, assistant, user, … */
function splitConversation(messages: readonly ChatMessage[], defaultSystem: string): { system: string; turns: ChatMessage[] } {
  let system = defaultSystem;
  let turns = [...messages];
  if (turns[0]?.role === 'system') {
    system = turns[0].content;
    turns = turns.slice(1);
  }
  turns.forEach((message, i) => {
    const expected = i % 2 === 0 ? 'user' : 'assistant';
    if (message.role !== expected) {
      throw new InvalidArgumentError(`message ${i}: expected a '${expected}' message, got '${message.role}' (a system message may only come first)`);
    }
  });
  if (turns.length === 0 || turns.length % 2 === 0) {
    throw new InvalidArgumentError('the conversation must end with a user message');
  }
  return { system, turns };
}

/**
 * Vicuna v1 as LLaVA-1.5 uses it (`llava_v1`): "SYSTEM USER: q ASSISTANT: a</s>USER: q ASSISTANT:".
 */
const llava15: ChatTemplate = {
  name: 'llava-1.5',
  stopStrings: ['</s>', 'USER:'],
  render(messages): string {
    const { system, turns } = splitConversation(
      messages,
      "A chat between a curious human and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to the human's questions.",
    );
    let text = `${system} `;
    turns.forEach((m, i) => {
      text += m.role === 'user' ? `USER: ${m.content} ` : `ASSISTANT: ${m.content}</s>`;
      if (i === turns.length - 1) text += 'ASSISTANT:';
    });
    return text;
  },
};

/**
 * Mistral instruct (`mistral_instruct`, LLaMA-2 style with no system prompt by default):
 * "[INST] q [/INST] a </s>[INST] q [/INST]"; a system prompt goes in <<SYS>> inside the first turn.
 */
const mistralInstruct: ChatTemplate = {
  name: 'mistral-instruct',
  stopStrings: ['</s>'],
  render(messages): string {
    const { system, turns } = splitConversation(messages, '');
    let text = '';
    turns.forEach((m, i) => {
      if (m.role === 'user') {
        const content = i === 0 && system ? `<<SYS>>\n${system}\n<</SYS>>\n\n${m.content}` : m.content;
        text += `[INST] ${content} [/INST]`;
      } else {
        text += ` ${m.content} </s>`;
      }
    });
    return text;
  },
};

/**
 * ChatML as LLaVA-1.6-34B uses it (`chatml_direct`): turns separated by <|im_end|> with no newline.
 */
const chatml: ChatTemplate = {
  name: 'chatml',
  stopStrings: ['<|im_end|>'],
  render(messages): string {
    const { system, turns } = splitConversation(messages, 'Answer the questions.');
    let text = `<|im_start|>system\n${system}<|im_end|>`;
    for (const m of turns) text += `<|im_start|>${m.role}\n${m.content}<|im_end|>`;
    text += '<|im_start|>assistant\n';
    return text;
  },
};

/** Llama-3 headers (<|begin_of_text|> is the vocabulary's BOS, added by tokenization). */
const llama3: ChatTemplate = {
  name: 'llama-3',
  stopStrings: ['<|eot_id|>'],
  render(messages): string {
    const { system, turns } = splitConversation(
      messages,
      'You are a helpful language and vision assistant. You are able to understand the visual content that the user provides, and assist the user with a variety of tasks using natural language.',
    );
    const header = (role: string) => `<|start_header_id|>${role}<|end_header_id|>\n\n`;
    let text = `${header('system')}${system}<|eot_id|>`;
    for (const m of turns) text += `${header(m.role)}${m.content}<|eot_id|>`;
    text += header('assistant');
    return text;
  },
};

const BUILTIN: Record<BuiltinTemplateName, ChatTemplate> = {
  'llava-1.5': llava15,
  'mistral-instruct': mistralInstruct,
  chatml,
  'llama-3': llama3,
};

export function builtinTemplate(name: BuiltinTemplateName): ChatTemplate {
  const template = BUILTIN[name];
  if (!template) throw new InvalidArgumentError(`unknown chat template '${name}' (choose from ${BUILTIN_TEMPLATE_NAMES.join(', ')})`);
  return template;
}
