#!/usr/bin/env node
/**
 * The `llava` command. Argument parsing and calls into the public API only:
 * nothing in lib/ outside cli/ imports from here.
 */
import { Command } from 'commander';

import { LlavaError } from '../errors.js';
import { formatInspectReport, inspectGguf } from './inspect.js';

const program = new Command('llava').description('Run LLaVA vision-language models from GGUF files');

program
  .command('inspect')
  .description("print a GGUF file's version, metadata and tensor table")
  .argument('<file>', 'GGUF file')
  .option('--json', 'print one JSON object: { version, metadata, tensors }')
  .action(async (file: string, options: { json?: boolean }) => {
    const report = await inspectGguf(file);
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatInspectReport(file, report)}\n`);
  });

try {
  await program.parseAsync();
} catch (error) {
  // Our own errors are expected failures (a bad file, a bad option): one line, no stack.
  if (error instanceof LlavaError) {
    process.stderr.write(`llava: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
