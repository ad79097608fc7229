/**
 * Makes the image markers in a conversation match the images given: with no
 * markers at all, LLaVA's convention puts one "<image>\n" per image at the
 * start of the first user message; otherwise the counts must agree.
 */
import { InvalidArgumentError } from '../errors.js';
import { type ChatMessage, IMAGE_MARKER, countImageMarkers } from './ChatMessage.js';

export function placeImages(messages: readonly ChatMessage[], imageCount: number): ChatMessage[] {
  const markers = messages.reduce((n, m) => n + (m.role === 'user' ? countImageMarkers(m.content) : 0), 0);
  for (const m of messages) {
    if (m.role !== 'user' && countImageMarkers(m.content) > 0) {
      throw new InvalidArgumentError(`${IMAGE_MARKER} may only appear in user messages, found one in a ${m.role} message`);
    }
  }
  if (markers === 0 && imageCount > 0) {
    const first = messages.findIndex((m) => m.role === 'user');
    if (first < 0) throw new InvalidArgumentError('images need a user message to go with');
    return messages.map((m, i) => (i === first ? { ...m, content: `${`${IMAGE_MARKER}\n`.repeat(imageCount)}${m.content}` } : m));
  }
  if (markers !== imageCount) {
    throw new InvalidArgumentError(`the messages have ${markers} ${IMAGE_MARKER} marker(s) but ${imageCount} image(s) were given`);
  }
  return [...messages];
}
