/**
 * Finds and loads the native addon.
 *
 * Order: for 'cuda' (and 'auto'), a locally built CUDA addon (build-cuda/),
 * then a prebuilt one (prebuilds/<platform>-<arch>/llava-cuda.node); for
 * 'cpu' (and the 'auto' fallback), node-gyp-build's search (build/Release,
 * then prebuilds/). With 'auto', a CUDA addon that loads but finds no usable
 * device (no driver, no GPU) is set aside with one line saying why.
 * Every failure is collected so the final NoBinaryError says what was tried.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { NoBinaryError } from '../errors.js';
import type { NativeAddon } from './addonTypes.js';

export type Device = 'auto' | 'cpu' | 'cuda';

const require = createRequire(import.meta.url);
/** The package root: this file lives in lib/native/ (sources) or dist/native/ (compiled). */
export const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

const loaded = new Map<'cpu' | 'cuda', NativeAddon>();
/** The CPU fallback line is printed once per process. */
let fallbackReported = false;

function cudaCandidates(): string[] {
  return [
    join(packageRoot, 'build-cuda', 'Release', 'llava_cuda.node'),
    join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`, 'llava-cuda.node'),
  ];
}

function loadCuda(failures: string[]): NativeAddon | undefined {
  const cached = loaded.get('cuda');
  if (cached) return cached;
  const path = cudaCandidates().find((candidate) => existsSync(candidate));
  if (!path) {
    failures.push('CUDA addon: not built (run `npm run build:cuda` on a machine with nvcc)');
    return undefined;
  }
  let addon: NativeAddon;
  try {
    addon = require(path) as NativeAddon;
  } catch (error) {
    failures.push(`CUDA addon ${path}: failed to load: ${(error as Error).message}`);
    return undefined;
  }
  try {
    const devices = addon.cuda?.devices() ?? [];
    if (devices.length === 0) throw new Error('no CUDA device');
  } catch (error) {
    failures.push(`CUDA addon ${path}: no usable GPU: ${(error as Error).message}`);
    return undefined;
  }
  loaded.set('cuda', addon);
  return addon;
}

function loadCpu(failures: string[]): NativeAddon | undefined {
  const cached = loaded.get('cpu');
  if (cached) return cached;
  try {
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
    const addon = nodeGypBuild(packageRoot) as NativeAddon;
    loaded.set('cpu', addon);
    return addon;
  } catch (error) {
    failures.push(`CPU addon: ${(error as Error).message.split('\n')[0]} (run \`npm run build:native\`)`);
    return undefined;
  }
}

/**
 * The addon for `device`. With 'auto' it prefers CUDA and prints one line to
 * stderr when it falls back to the CPU (set `quiet` to suppress it).
 */
export function loadAddon(device: Device = 'auto', { quiet = false }: { quiet?: boolean } = {}): NativeAddon {
  const failures: string[] = [];
  if (device === 'cuda' || device === 'auto') {
    const cuda = loadCuda(failures);
    if (cuda) return cuda;
    if (device === 'cuda') {
      throw new NoBinaryError(`device 'cuda' is not available:\n  ${failures.join('\n  ')}`);
    }
  }
  const cpu = loadCpu(failures);
  if (!cpu) {
    throw new NoBinaryError(`no native addon could be loaded for device '${device}':\n  ${failures.join('\n  ')}`);
  }
  if (device === 'auto' && failures.length > 0 && !quiet && !fallbackReported) {
    fallbackReported = true;
    process.stderr.write(`llava-node: using the CPU (${failures[0]})\n`);
  }
  return cpu;
}

/** The CPU addon: formats, GGUF reading and other work that needs no GPU. */
export function cpuAddon(): NativeAddon {
  return loadAddon('cpu');
}
