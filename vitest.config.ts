import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native work (quantizing, llama.cpp oracles) is slow on a 2-core CI machine.
    testTimeout: 180_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
