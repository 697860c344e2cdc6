/**
 * The model file: one ArrayBuffer, versioned and checksummed, read back without copying the arrays
 * (typed-array views into the buffer), so it crosses to and from a web worker as a transferable and
 * can be cached in IndexedDB as it is.
 *
 * Layout (little-endian):
 *   0  "CODEGRAM"                     8 bytes magic
 *   8  format version                 u32
 *   12 header length in bytes (H)     u32
 *   16 total length in bytes          u32 (low 32 bits) — catches truncation before the checksum
 *   20 checksum of bytes 24..end      u32 (murmur3-style over 32-bit words)
 *   24 header: JSON, UTF-8, padded to 4 bytes: model info, vocabulary, section table
 *   …  sections: the typed arrays, each 4-byte aligned, in the order of the section table
 */
import { CodegramError } from './errors.ts';
import { NgramModel, type ModelInfo, type ModelOrder } from './model.ts';
import { Vocab } from './vocab.ts';

export const FORMAT_VERSION = 1;
const MAGIC = 'CODEGRAM';
/** The magic as bytes, for telling a model file from other files (model-file.ts). */
export const MODEL_MAGIC: readonly number[] = [...MAGIC].map((c) => c.charCodeAt(0));
const PREFIX = 24;

type ArrayName = keyof ModelOrder;
const ARRAYS: readonly ArrayName[] = ['words', 'counts', 'log2Prob', 'log2Backoff', 'childStart'];

interface Header {
  info: ModelInfo;
  vocab: string[];
  /** Length in elements of each array of each order, in ARRAYS order. */
  sections: number[][];
}

/** A model file that cannot be read; the message says why, for the user. */
export class ModelFormatError extends CodegramError {
  override name = 'ModelFormatError';
  constructor(message: string) {
    super('bad-input', message);
  }
}

export function serializeModel(model: NgramModel): ArrayBuffer {
  const header: Header = {
    info: model.info,
    vocab: model.vocab.words,
    sections: model.orders.map((o) => ARRAYS.map((name) => o[name].length)),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = align4(headerBytes.length);
  let total = PREFIX + headerLength;
  for (const o of model.orders) for (const name of ARRAYS) total += align4(o[name].byteLength);
  const buffer = new ArrayBuffer(total);
  const bytes = new Uint8Array(buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(buffer);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, headerLength, true);
  view.setUint32(16, total >>> 0, true);
  bytes.fill(0x20, PREFIX + headerBytes.length, PREFIX + headerLength); // pad JSON with spaces
  bytes.set(headerBytes, PREFIX);
  let offset = PREFIX + headerLength;
  for (const o of model.orders) {
    for (const name of ARRAYS) {
      const a = o[name];
      bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
      offset += align4(a.byteLength);
    }
  }
  view.setUint32(20, checksum(buffer, PREFIX), true);
  return buffer;
}

/** Reads a model file, or throws ModelFormatError naming what is wrong. The arrays view `buffer`. */
export function deserializeModel(buffer: ArrayBuffer): NgramModel {
  const bytes = new Uint8Array(buffer);
  if (buffer.byteLength < PREFIX || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
    throw new ModelFormatError(
      gz ? 'this looks like a gzip file, not a Codegram model; ARPA files are loaded as ARPA' : 'not a Codegram model file (no CODEGRAM signature)',
    );
  }
  const view = new DataView(buffer);
  const version = view.getUint32(8, true);
  if (version !== FORMAT_VERSION) {
    throw new ModelFormatError(`model file has format version ${version}; this Codegram reads version ${FORMAT_VERSION}: rebuild or re-export it`);
  }
  const declared = view.getUint32(16, true);
  if (declared !== buffer.byteLength >>> 0 || buffer.byteLength % 4 !== 0) {
    throw new ModelFormatError(`model file is truncated or padded: ${buffer.byteLength} bytes, header says ${declared}`);
  }
  if (checksum(buffer, PREFIX) !== view.getUint32(20, true)) {
    throw new ModelFormatError('model file is corrupt: checksum mismatch');
  }
  const headerLength = view.getUint32(12, true);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(PREFIX, PREFIX + headerLength)));
  } catch {
    throw new ModelFormatError('model file header is not valid JSON');
  }
  const header = checkHeader(parsed);
  let offset = PREFIX + headerLength;
  const orders: ModelOrder[] = header.sections.map((lengths) => {
    const arrays = {} as Record<ArrayName, Uint32Array | Float32Array>;
    ARRAYS.forEach((name, i) => {
      const n = lengths[i];
      const Ctor = name === 'log2Prob' || name === 'log2Backoff' ? Float32Array : Uint32Array;
      if (offset + n * 4 > buffer.byteLength) throw new ModelFormatError('model file sections run past its end');
      arrays[name] = new Ctor(buffer, offset, n);
      offset += n * 4;
    });
    return arrays as unknown as ModelOrder;
  });
  checkStructure(orders, header.vocab.length);
  try {
    return new NgramModel(new Vocab(header.vocab), orders, header.info);
  } catch (e) {
    throw new ModelFormatError(`model file is inconsistent: ${(e as Error).message}`);
  }
}

/** The header's shape, checked field by field: it comes from a file. */
function checkHeader(value: unknown): Header {
  const h = value as Partial<Header> | null;
  const info = h?.info as Partial<ModelInfo> | undefined;
  const ok =
    !!h &&
    !!info &&
    Array.isArray(h.vocab) &&
    h.vocab.every((w) => typeof w === 'string') &&
    Array.isArray(h.sections) &&
    h.sections.every((s) => Array.isArray(s) && s.length === ARRAYS.length && s.every((n) => Number.isInteger(n) && n >= 0)) &&
    Number.isInteger(info.order) &&
    info.order === h.sections.length &&
    (info.tokenizer === 'code' || info.tokenizer === 'whitespace') &&
    typeof info.lines === 'boolean' &&
    Array.isArray(info.discounts) &&
    typeof info.trainingTokens === 'number';
  if (!ok) throw new ModelFormatError('model file header is malformed');
  return h as Header;
}

/**
 * The trie must be well formed before any query walks it: child offsets rise from 0 to the size of the next
 * order, and every word is in the vocabulary. One pass over the arrays; it catches what a checksum cannot
 * (a file written wrongly, or damaged and re-checksummed), so no query ever reads out of range.
 */
function checkStructure(orders: ModelOrder[], vocabSize: number): void {
  if (orders.length === 0 || orders[0].words.length !== vocabSize) throw new ModelFormatError('model file unigram table does not match its vocabulary');
  orders.forEach((o, k) => {
    const n = o.words.length;
    if (o.counts.length !== n || o.log2Prob.length !== n) throw new ModelFormatError(`model file order ${k + 1} has arrays of different lengths`);
    for (let i = 0; i < n; i++) if (o.words[i] >= vocabSize) throw new ModelFormatError(`model file order ${k + 1} names a token outside the vocabulary`);
    // Probabilities are log2 values ≤ 0 (−∞ for <s>); backoffs are numbers. NaN fails both tests.
    for (let i = 0; i < n; i++) if (!(o.log2Prob[i] <= 0)) throw new ModelFormatError(`model file order ${k + 1} holds a probability that is not one`);
    for (let i = 0; i < o.log2Backoff.length; i++) if (Number.isNaN(o.log2Backoff[i])) throw new ModelFormatError(`model file order ${k + 1} holds a backoff that is not a number`);
    const last = k === orders.length - 1;
    if (last ? o.childStart.length !== 0 || o.log2Backoff.length !== 0 : o.childStart.length !== n + 1 || o.log2Backoff.length !== n) {
      throw new ModelFormatError(`model file order ${k + 1} has a malformed trie`);
    }
    if (!last) {
      const next = orders[k + 1].words.length;
      if (o.childStart[0] !== 0 || o.childStart[n] !== next) throw new ModelFormatError(`model file order ${k + 1} has child offsets that do not cover order ${k + 2}`);
      for (let i = 0; i < n; i++) if (o.childStart[i] > o.childStart[i + 1]) throw new ModelFormatError(`model file order ${k + 1} has decreasing child offsets`);
    }
  });
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** A murmur3-style 32-bit hash of the 32-bit words from `from` to the end. */
export function checksum(buffer: ArrayBuffer, from: number): number {
  const words = new Uint32Array(buffer, from, (buffer.byteLength - from) >>> 2);
  let h = 0x9747b28c ^ words.length;
  for (let i = 0; i < words.length; i++) {
    let k = Math.imul(words[i], 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
