/** What every chat format provides: messages in, prompt text out. */
import type { ChatMessage } from './ChatMessage.js';

export interface ChatTemplate {
  /** 'llava-1.5', 'mistral-instruct', 'chatml', 'llama-3', or 'gguf' for the file's own Jinja template. */
  readonly name: string;
  /**
   * Renders the conversation and the opening of the assistant's turn, image
   * markers included. The text never starts with the BOS token's text:
   * tokenization adds BOS as the vocabulary asks.
   */
  render(messages: readonly ChatMessage[]): string;
  /** Text that ends the assistant's turn besides the end-of-generation tokens. */
  readonly stopStrings: readonly string[];
}
