#!/usr/bin/env node
/**
 * The `llava` command. Argument parsing and calls into the public API only:
 * nothing in lib/ outside cli/ imports from here.
 */
import { Command, Option } from 'commander';

import { LlavaError } from '../errors.js';
import { formatInspectReport, inspectGguf } from './inspect.js';
import { parseInteger as integer } from './parseInteger.js';
import { runCommand } from './run.js';


function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

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

program
  .command('run')
  .description('generate an answer, streamed to stdout')
  .requiredOption('--model <file>', 'text model GGUF')
  .option('--mmproj <file>', 'vision tower + projector GGUF (needed for --image)')
  .option('--image <file>', 'an image; repeat for several (each goes to an <image> marker, or before the text)', collect, [])
  .addOption(new Option('--vision-compat <mode>', 'image preprocessing and encoder semantics').choices(['reference', 'llama.cpp']))
  .addOption(new Option('--numerics <mode>', 'the arithmetic (see LoadOptions.numerics)').choices(['llama.cpp', 'llama.cpp-portable', 'reference']))
  .requiredOption('--prompt <text>', 'the question (formatted with the chat template unless --raw)')
  .option('--raw', 'use the prompt verbatim, without a chat template (images split it at <image> markers)')
  .option('--max-tokens <n>', 'most tokens to generate', integer)
  .option('--temp <t>', 'temperature (0 = greedy)', Number)
  .option('--top-k <k>', 'top-k', integer)
  .option('--top-p <p>', 'top-p', Number)
  .option('--min-p <p>', 'min-p', Number)
  .option('--repeat-penalty <r>', 'repetition penalty', Number)
  .option('--seed <n>', 'sampler seed', integer)
  .option('--threads <n>', 'CPU threads', integer)
  .option('--ctx-size <n>', 'context size in positions', integer)
  .addOption(new Option('--device <device>', 'compute device').choices(['auto', 'cpu', 'cuda']))
  .option('--json', 'print one JSON object { promptTokens, tokens, text, finishReason, timings } at the end')
  .action(async (o) => {
    await runCommand({ ...o, contextSize: o.ctxSize });
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
