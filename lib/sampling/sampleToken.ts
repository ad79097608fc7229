/**
 * Picks the next token from a row of logits. The chain follows llama.cpp's
 * default order: repetition / frequency / presence penalties over the recent
 * tokens, then top-k, top-p, min-p, temperature, and a draw from the softmax.
 * A temperature of 0 (or below) is greedy: the highest logit, first on ties.
 */
import type { SeededRng } from './SeededRng.js';

export interface SamplingParams {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  repeatPenalty: number;
  frequencyPenalty: number;
  presencePenalty: number;
  /** How many of the most recent tokens the penalties look at. */
  penaltyLastN: number;
}

interface Candidate {
  token: number;
  logit: number;
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if ((logits[i] as number) > (logits[best] as number)) best = i;
  return best;
}

/** Penalised logits (a copy) when any penalty is active, else the input. */
function applyPenalties(logits: Float32Array, recent: readonly number[], p: SamplingParams): Float32Array {
  const active = p.repeatPenalty !== 1 || p.frequencyPenalty !== 0 || p.presencePenalty !== 0;
  if (!active || p.penaltyLastN === 0 || recent.length === 0) return logits;
  const window = p.penaltyLastN < 0 ? recent : recent.slice(-p.penaltyLastN);
  const counts = new Map<number, number>();
  for (const t of window) counts.set(t, (counts.get(t) ?? 0) + 1);
  const out = logits.slice();
  for (const [token, count] of counts) {
    if (token < 0 || token >= out.length) continue;
    let l = out[token] as number;
    // Repetition penalty shrinks a positive logit and grows a negative one (CTRL's rule).
    l = l > 0 ? l / p.repeatPenalty : l * p.repeatPenalty;
    l -= count * p.frequencyPenalty + p.presencePenalty;
    out[token] = l;
  }
  return out;
}

export function sampleToken(logits: Float32Array, recent: readonly number[], p: SamplingParams, rng: SeededRng): number {
  const penalised = applyPenalties(logits, recent, p);
  if (p.temperature <= 0) return argmax(penalised);

  // Top-k by partial selection: sort only what survives.
  let candidates: Candidate[] = Array.from(penalised, (logit, token) => ({ token, logit }));
  candidates.sort((a, b) => b.logit - a.logit || a.token - b.token);
  if (p.topK > 0 && p.topK < candidates.length) candidates = candidates.slice(0, p.topK);

  const probabilities = (list: Candidate[]) => {
    const max = list[0]?.logit ?? 0;
    const exps = list.map((c) => Math.exp(c.logit - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / sum);
  };

  if (p.topP < 1) {
    const probs = probabilities(candidates);
    let cumulative = 0;
    let keep = candidates.length;
    for (let i = 0; i < probs.length; i++) {
      cumulative += probs[i] as number;
      if (cumulative >= p.topP) {
        keep = i + 1;
        break;
      }
    }
    candidates = candidates.slice(0, keep);
  }
  if (p.minP > 0 && candidates.length > 1) {
    // Keep tokens whose probability is at least minP times the best one's.
    const threshold = (candidates[0] as Candidate).logit + Math.log(p.minP);
    candidates = candidates.filter((c) => c.logit >= threshold);
  }

  const scaled = candidates.map((c) => ({ token: c.token, logit: c.logit / p.temperature }));
  const probs = probabilities(scaled);
  let r = rng.next();
  for (let i = 0; i < probs.length; i++) {
    r -= probs[i] as number;
    if (r < 0) return (scaled[i] as Candidate).token;
  }
  return (scaled[scaled.length - 1] as Candidate).token;
}
