/** Chat messages and the marker that places an image in one. */

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  /** Text; in user messages, each `<image>` marks where one image's embeddings go. */
  content: string;
}

/** Where an image's embeddings go, in a user message or a raw prompt. */
export const IMAGE_MARKER = '<image>';

/** Number of image markers in `text`. */
export function countImageMarkers(text: string): number {
  return text.split(IMAGE_MARKER).length - 1;
}
