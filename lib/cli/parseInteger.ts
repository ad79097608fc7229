/** commander argument parser for whole-number options (counts, seeds, sizes). */
import { InvalidArgumentError } from 'commander';

export function parseInteger(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`not a non-negative integer: ${value}`);
  return n;
}
