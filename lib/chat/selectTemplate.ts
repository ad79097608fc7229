/**
 * Which chat format a model gets: the caller's choice, else the GGUF file's
 * own Jinja template, else one inferred from the model's name the way LLaVA
 * picks its conversation mode ("mistral" → mistral-instruct, "34b" → chatml,
 * "llama-3" → llama-3, otherwise Vicuna v1 / llava-1.5).
 */
import { type BuiltinTemplateName, builtinTemplate } from './builtinTemplates.js';
import type { ChatTemplate } from './ChatTemplate.js';
import { type JinjaSpecialTokens, jinjaTemplate } from './jinjaTemplate.js';

/** A built-in format by name, or `{ jinja }` with a template of your own. */
export type ChatTemplateChoice = BuiltinTemplateName | { jinja: string };

export interface ModelChatInfo {
  /** `tokenizer.chat_template`, if the file has one. */
  chatTemplate?: string;
  /** `general.name` (or the file name). */
  name?: string;
  specialTokens: JinjaSpecialTokens;
}

export function inferBuiltinTemplate(name: string): BuiltinTemplateName {
  const n = name.toLowerCase();
  if (n.includes('mistral')) return 'mistral-instruct';
  if (n.includes('llama-3') || n.includes('llama3')) return 'llama-3';
  if (n.includes('34b')) return 'chatml';
  return 'llava-1.5';
}

export function selectChatTemplate(model: ModelChatInfo, choice?: ChatTemplateChoice): ChatTemplate {
  if (typeof choice === 'string') return builtinTemplate(choice);
  if (choice) return jinjaTemplate(choice.jinja, model.specialTokens);
  if (model.chatTemplate) return jinjaTemplate(model.chatTemplate, model.specialTokens);
  return builtinTemplate(inferBuiltinTemplate(model.name ?? ''));
}
