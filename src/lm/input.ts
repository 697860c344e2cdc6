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
  refuseEmptyOrBinary(bytes, name);
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

function refuseEmptyOrBinary(bytes: Uint8Array, name: string): void {
  if (bytes.length === 0) throw new InputError(`"${name}" is empty`);
  const nul = bytes.subarray(0, SNIFF_BYTES).indexOf(0);
  if (nul >= 0) throw new InputError(`"${name}" looks binary (NUL byte at offset ${nul})`);
  const magic = binarySignature(bytes);
  if (magic) throw new InputError(`"${name}" looks binary (${magic} signature)`);
}

/**
 * The bytes of a text file as `decodeText` would accept it (same checks, same errors), without decoding them: for
 * reading text straight from its bytes (byte-vocab.ts). Byte-order marks are dropped as decodeText drops them (the
 * decoder one, then one more). `validUtf8` may be a faster native check (the CLI passes Node's).
 */
export function textBytes(bytes: Uint8Array, name: string, validUtf8: (b: Uint8Array) => boolean = (b) => firstInvalidUtf8(b) < 0): Uint8Array {
  refuseEmptyOrBinary(bytes, name);
  if (!validUtf8(bytes)) throw new InputError(`"${name}" is not valid UTF-8 (first bad byte at offset ${firstInvalidUtf8(bytes)})`);
  let from = 0;
  for (let bom = 0; bom < 2 && bytes[from] === 0xef && bytes[from + 1] === 0xbb && bytes[from + 2] === 0xbf; bom++) from += 3;
  return bytes.subarray(from);
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

/**
 * Offset of the first byte that breaks UTF-8 (for the message), or −1: the rules of a fatal TextDecoder (WHATWG
 * Encoding), so no overlong forms, surrogates or code points above U+10FFFF.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf; // the range of the second byte
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + need >= n) return i; // cut short by the end
    const second = bytes[i + 1];
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return -1;
}
