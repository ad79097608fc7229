/**
 * `llava inspect <file.gguf> [--json]`: a GGUF file's version, metadata (long
 * arrays summarised) and tensor table.
 */
import { GgufFile } from '../gguf/GgufFile.js';
import { GgufValueType, shortestFloat32 } from '../gguf/valueTypes.js';

/** Arrays longer than this are summarised by their count and first items. */
const ARRAY_SUMMARY_LIMIT = 16;
const ARRAY_PREVIEW = 8;

export interface InspectReport {
  version: number;
  metadata: Record<string, unknown>;
  tensors: { name: string; type: string; shape: number[]; offset: number; size: number }[];
}

/** JSON has no bigint: 64-bit integers become numbers when exact, else decimal strings. */
function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value;
}

export async function inspectGguf(path: string): Promise<InspectReport> {
  const file = await GgufFile.open(path);
  try {
    const metadata: Record<string, unknown> = {};
    for (const entry of file.entries()) {
      if (entry.type !== GgufValueType.ARRAY) {
        metadata[entry.key] = jsonSafe(file.get(entry.key));
        continue;
      }
      const count = entry.count as number;
      const itemType = GgufValueType[entry.itemType as GgufValueType];
      const item = entry.itemType === GgufValueType.FLOAT32 ? (v: unknown) => shortestFloat32(v as number) : jsonSafe;
      if (count <= ARRAY_SUMMARY_LIMIT) {
        metadata[entry.key] = Array.from(file.get(entry.key) as ArrayLike<unknown>, item);
      } else {
        const first = Array.from(file.getArraySlice(entry.key, 0, ARRAY_PREVIEW) as ArrayLike<unknown>, item);
        metadata[entry.key] = { itemType, count, first };
      }
    }
    const tensors = file.tensors.map(({ name, type, shape, offset, size }) => ({ name, type, shape, offset, size }));
    return { version: file.version, metadata, tensors };
  } finally {
    file.close();
  }
}

export function formatInspectReport(path: string, report: InspectReport): string {
  const lines = [`${path}: GGUF v${report.version}, ${Object.keys(report.metadata).length} metadata keys, ${report.tensors.length} tensors`, ''];
  for (const [key, value] of Object.entries(report.metadata)) {
    lines.push(`  ${key} = ${formatValue(value)}`);
  }
  if (report.tensors.length > 0) {
    lines.push('');
    const nameWidth = Math.max(...report.tensors.map((t) => t.name.length));
    for (const t of report.tensors) {
      lines.push(`  ${t.name.padEnd(nameWidth)}  ${t.type.padEnd(7)} [${t.shape.join(', ')}]  offset ${t.offset}, ${t.size} bytes`);
    }
  }
  return lines.join('\n');
}

function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
  if (value && typeof value === 'object' && 'count' in value) {
    const { itemType, count, first } = value as { itemType: string; count: number; first: unknown[] };
    return `[${count} × ${itemType}] ${first.map((v) => JSON.stringify(v)).join(', ')}, …`;
  }
  return JSON.stringify(value);
}
