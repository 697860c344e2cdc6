/**
 * Checking text where it enters (CLI files, uploads): empty, binary and non-UTF-8 input get a message
 * that names the file and the cause, e.g. `"notes.bin" looks binary (NUL byte at offset 12)`.
 */
import { CodegramError } from './errors.ts';

export class InputError extends CodegramError {
  override name = 'InputError';
  constructor(message: string) {
    super('bad-input', message);
  }
}

export interface DecodeOptions {
  /** 'error' refuses invalid UTF-8 (the CLI); 'replace' decodes with U+FFFD and reports it (uploads). */
  invalidUtf8?: 'error' | 'replace';
}

export interface DecodedText {
  text: string;
  /** Set when invalid UTF-8 was replaced. */
  warning?: string;
}

/** How many leading bytes are inspected for signs of a binary file. */
const SNIFF_BYTES = 1 << 16;

export function decodeText(bytes: Uint8Array, name: string, options: DecodeOptions = {}): DecodedText {
  if (bytes.length === 0) throw new InputError(`"${name}" is empty`);
  const nul = bytes.subarray(0, SNIFF_BYTES).indexOf(0);
  if (nul >= 0) throw new InputError(`"${name}" looks binary (NUL byte at offset ${nul})`);
  const magic = binarySignature(bytes);
  if (magic) throw new InputError(`"${name}" looks binary (${magic} signature)`);
  try {
    return { text: stripBom(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) };
  } catch {
    const at = firstInvalidUtf8(bytes);
    if (options.invalidUtf8 !== 'replace') throw new InputError(`"${name}" is not valid UTF-8 (first bad byte at offset ${at})`);
    return {
      text: stripBom(new TextDecoder('utf-8').decode(bytes)),
      warning: `"${name}" is not valid UTF-8 (first bad byte at offset ${at}); bad bytes were replaced with U+FFFD`,
    };
  }
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

const SIGNATURES: [string, number[]][] = [
  ['PNG', [0x89, 0x50, 0x4e, 0x47]],
  ['JPEG', [0xff, 0xd8, 0xff]],
  ['GIF', [0x47, 0x49, 0x46, 0x38]],
  ['PDF', [0x25, 0x50, 0x44, 0x46, 0x2d]],
  ['gzip', [0x1f, 0x8b]],
  ['zip', [0x50, 0x4b, 0x03, 0x04]],
  ['Codegram model', [0x43, 0x4f, 0x44, 0x45, 0x47, 0x52, 0x41, 0x4d]],
];

function binarySignature(bytes: Uint8Array): string | null {
  for (const [name, sig] of SIGNATURES) {
    if (sig.every((b, i) => bytes[i] === b)) return name;
  }
  return null;
}

/** Offset of the first byte that breaks UTF-8 (for the message). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const need = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= bytes.length || (bytes[i + k] & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return -1;
}
