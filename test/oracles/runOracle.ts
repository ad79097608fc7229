/**
 * Runs an llama.cpp oracle script in a child process. The oracles' native
 * logging cannot be silenced in-process (and a crash there must not take the
 * test runner down), so each runs in its own process and answers over IPC.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function runOracle<T>(script: string, input: unknown, timeoutMs = 240_000): Promise<T> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(path, [JSON.stringify(input)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    let answer: { ok: true; result: T } | { ok: false; error: string } | undefined;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('message', (message) => {
      answer = message as typeof answer;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (answer?.ok) resolve(answer.result);
      else if (answer) reject(new Error(`${script}: ${answer.error}\n${stderr}`));
      else reject(new Error(`${script} exited (code ${code}, signal ${signal}) without an answer\n${stderr}`));
    });
  });
}
