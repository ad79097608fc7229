/**
 * A model's own chat template (`tokenizer.chat_template`, Jinja), rendered
 * with @huggingface/jinja the way llama.cpp and transformers call it.
 */
import { Template } from '@huggingface/jinja';

import { InvalidArgumentError } from '../errors.js';
import type { ChatTemplate } from './ChatTemplate.js';

export interface JinjaSpecialTokens {
  bos?: string;
  eos?: string;
}

export function jinjaTemplate(source: string, tokens: JinjaSpecialTokens, stopStrings: readonly string[] = []): ChatTemplate {
  let template: Template;
  try {
    template = new Template(source);
  } catch (error) {
    throw new InvalidArgumentError(`the chat template does not parse: ${(error as Error).message}`);
  }
  return {
    name: 'gguf',
    stopStrings,
    render(messages): string {
      let text: string;
      try {
        text = template.render({
          messages,
          add_generation_prompt: true,
          bos_token: tokens.bos ?? '',
          eos_token: tokens.eos ?? '',
        });
      } catch (error) {
        throw new InvalidArgumentError(`the chat template failed to render: ${(error as Error).message}`);
      }
      // Many templates write the BOS text themselves; tokenization adds BOS, so drop it here.
      return tokens.bos && text.startsWith(tokens.bos) ? text.slice(tokens.bos.length) : text;
    },
  };
}
