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
 *   20 checksum of bytes 24..end      u32 (murmur3-style over 32-bit words, in four lanes; version 1: one)
 *   24 header: JSON, UTF-8, padded to 4 bytes: model info, the vocabulary's size in tokens and in bytes, the shape
 *      of each order
 *   …  sections, each a whole number of 32-bit words:
 *        the vocabulary: where each token's UTF-8 ends (u32 each), then the tokens' UTF-8 one after another, padded;
 *        then for each order in turn: word ids (packed), counts (packed), overflow indices, overflow counts, log2
 *        probabilities, log2 backoffs, child offsets (packed)
 *      A packed section holds packedWords(size, bits) words (packed.ts); the header gives each order's size and
 *      widths, from which every section's length follows.
 *
 * Version 2 held the vocabulary in the header, as a JSON array of strings: parsing it, indexing the strings and
 * encoding them again for the byte index took a fresh `eval` process about 50 ms for Brown's 53 k tokens, where
 * version 3's section is read as it is (vocab.ts `fromUtf8`, byte-vocab.ts). A vocabulary that UTF-8 cannot carry
 * (a token with a lone surrogate) is still written as version 2; both are read.
 * Version 1 (before the arrays were bit-packed) stored the same five arrays as plain 32-bit arrays, their lengths
 * in the header's `sections`; it is still read, and packed on load, so exported model files keep opening.
 */
import { ByteVocab } from './byte-vocab.ts';
import { runToEnd } from './counts.ts';
import { CodegramError } from './errors.ts';
import { NgramModel, type ModelInfo, type ModelOrder, type PlainOrder } from './model.ts';
import { PackedCounts, PackedUints, countSentinel, packedWords } from './packed.ts';
import { Vocab, type VocabUtf8 } from './vocab.ts';

/** The version written (version 2 only for a vocabulary UTF-8 cannot carry); versions 1 to 3 are read. */
export const FORMAT_VERSION = 3;
const MAGIC = 'CODEGRAM';
/** The magic as bytes, for telling a model file from other files (model-file.ts). */
export const MODEL_MAGIC: readonly number[] = [...MAGIC].map((c) => c.charCodeAt(0));
const PREFIX = 24;

/** The shape of one order, from which its sections' lengths follow. */
interface OrderShape {
  size: number;
  wordBits: number;
  countBits: number;
  /** Entries of the overflow table. */
  overflow: number;
  /** Width of the child offsets; 0 at the highest order, which has none. */
  childBits: number;
}

interface Header {
  info: ModelInfo;
  /** The vocabulary section's tokens and bytes (without its padding). */
  tokens: { count: number; bytes: number };
  orders: OrderShape[];
}

/** Version 2's header: the vocabulary as strings. */
interface HeaderV2 {
  info: ModelInfo;
  vocab: string[];
  orders: OrderShape[];
}

/** Version 1's arrays, in the order of its sections; `sections` held their lengths in elements. */
const V1_ARRAYS = ['words', 'counts', 'log2Prob', 'log2Backoff', 'childStart'] as const;

interface HeaderV1 {
  info: ModelInfo;
  vocab: string[];
  sections: number[][];
}

/** A model file that cannot be read; the message says why, for the user. */
export class ModelFormatError extends CodegramError {
  override name = 'ModelFormatError';
  constructor(message: string) {
    super('bad-input', message);
  }
}

/** The shape of one order as a header gives it (sectionLayout follows from it). */
function shapeOf(o: ModelOrder): OrderShape {
  return { size: o.words.length, wordBits: o.words.bits, countBits: o.counts.bits, overflow: o.counts.overflowAt.length, childBits: o.childStart.bits };
}

/** The 32-bit-word arrays of one order as they are written, in section order. */
function sectionsOf(o: ModelOrder): (Uint32Array | Float32Array)[] {
  return [o.words.data, o.counts.small.data, o.counts.overflowAt, o.counts.overflowValue, o.log2Prob, o.log2Backoff, o.childStart.data];
}

/**
 * The model file as its pieces, in order, the arrays not copied: the header block (prefix and JSON) and a view of
 * each section. `serializeModel` joins them; a writer (the CLI) can write them one by one without a second copy of
 * the model in memory.
 */
export function modelFileParts(model: NgramModel): Uint8Array[] {
  return runToEnd(modelFilePartsSteps(model));
}

/**
 * `modelFileParts` as steps a driver may pause between (build/scheduler.ts `drive`): the checksum in slices of
 * `checksumStepWords` 32-bit words. The model worker makes the files of a build's models so when it caches them (79
 * MB, about 0.25 s of checksum in the page), while it answers the editor.
 */
export function* modelFilePartsSteps(model: NgramModel, checksumStepWords = CHECKSUM_STEP_WORDS): Generator<void, Uint8Array[]> {
  const utf8 = model.vocab.toUtf8();
  const orders = model.orders.map(shapeOf);
  const header: Header | HeaderV2 = utf8
    ? { info: model.info, tokens: { count: utf8.ends.length, bytes: utf8.bytes.length }, orders }
    : { info: model.info, vocab: model.vocab.words, orders };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = align4(headerBytes.length);
  const sections = [...(utf8 ? vocabSections(utf8) : []), ...model.orders.flatMap(sectionsOf)];
  const total = PREFIX + headerLength + sections.reduce((sum, a) => sum + a.byteLength, 0);
  const head = new ArrayBuffer(PREFIX + headerLength);
  const bytes = new Uint8Array(head);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(head);
  view.setUint32(8, utf8 ? FORMAT_VERSION : 2, true);
  view.setUint32(12, headerLength, true);
  view.setUint32(16, total >>> 0, true);
  bytes.fill(0x20, PREFIX + headerBytes.length, PREFIX + headerLength); // pad JSON with spaces
  bytes.set(headerBytes, PREFIX);
  const sum = new LaneChecksum((total - PREFIX) >>> 2);
  sum.update(new Uint32Array(head, PREFIX));
  for (const a of sections) {
    const words = new Uint32Array(a.buffer, a.byteOffset, a.byteLength >>> 2);
    for (let at = 0; at < words.length; at += checksumStepWords) {
      yield;
      sum.update(words.subarray(at, at + checksumStepWords));
    }
  }
  view.setUint32(20, sum.digest(), true);
  return [bytes, ...sections.map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength))];
}

/** The vocabulary's two sections: the tokens' ends, and their bytes padded to whole 32-bit words. */
function vocabSections({ bytes, ends }: VocabUtf8): Uint32Array[] {
  const padded = new Uint32Array(align4(bytes.length) >>> 2);
  new Uint8Array(padded.buffer).set(bytes);
  return [ends, padded];
}

/**
 * A model as its header (without the vocabulary) and its arrays, to move between this program's own threads without
 * writing a file: a build worker's data-fraction models, which are never stored. Serializing them (a header of the
 * whole vocabulary, a copy of every array, the checksum) took a build worker up to 0.5 s per job on a first visit; these
 * arrays are transferred as they are. The models of one job share their vocabulary, which travels once beside them.
 */
export interface ModelParts {
  info: ModelInfo;
  orders: OrderShape[];
  /** Each order's arrays in section order (sectionsOf). */
  sections: (Uint32Array | Float32Array)[][];
}

export function toParts(model: NgramModel): { parts: ModelParts; transfer: ArrayBuffer[] } {
  const sections = model.orders.map(sectionsOf);
  const orders = model.orders.map(shapeOf);
  // Each buffer once, however many arrays view it.
  const transfer = [...new Set(sections.flat().map((a) => a.buffer as ArrayBuffer))];
  return { parts: { info: model.info, orders, sections }, transfer };
}

/** The model `toParts` took apart, in `vocab` (its job's, shared by the job's models). */
export function fromParts(parts: ModelParts, vocab: Vocab): NgramModel {
  return new NgramModel(vocab, parts.orders.map((shape, k) => orderFrom(shape, k === parts.orders.length - 1, parts.sections[k])), parts.info);
}

/** Each section of an order (sectionsOf's order) as its array type and its length in 32-bit words, from its shape. */
function sectionLayout(shape: OrderShape, last: boolean): [new (b: ArrayBufferLike, at: number, n: number) => Uint32Array | Float32Array, number][] {
  const children = last ? 0 : shape.size + 1;
  return [
    [Uint32Array, packedWords(shape.size, shape.wordBits)],
    [Uint32Array, packedWords(shape.size, shape.countBits)],
    [Uint32Array, shape.overflow],
    [Uint32Array, shape.overflow],
    [Float32Array, shape.size],
    [Float32Array, last ? 0 : shape.size],
    [Uint32Array, packedWords(children, shape.childBits)],
  ];
}

/** An order from its shape and its sections, in sectionsOf's order: a file's views, or the arrays toParts moved. */
function orderFrom(shape: OrderShape, last: boolean, sections: readonly (Uint32Array | Float32Array)[]): ModelOrder {
  const [words, small, overflowAt, overflowValue, log2Prob, log2Backoff, childStart] = sections;
  return {
    words: new PackedUints(shape.size, shape.wordBits, words as Uint32Array),
    counts: new PackedCounts(new PackedUints(shape.size, shape.countBits, small as Uint32Array), overflowAt as Uint32Array, overflowValue as Uint32Array),
    log2Prob: log2Prob as Float32Array,
    log2Backoff: log2Backoff as Float32Array,
    childStart: new PackedUints(last ? 0 : shape.size + 1, shape.childBits, childStart as Uint32Array),
  };
}

export function serializeModel(model: NgramModel): ArrayBuffer {
  return joinParts(modelFileParts(model));
}

/** A file's parts (modelFileParts) joined into one ArrayBuffer of its own. */
export function joinParts(parts: readonly Uint8Array[]): ArrayBuffer {
  const bytes = new Uint8Array(parts.reduce((sum, p) => sum + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    bytes.set(p, offset);
    offset += p.byteLength;
  }
  return bytes.buffer;
}

/** Reads a model file, or throws ModelFormatError naming what is wrong. The arrays view `buffer` (version 1: packed copies). */
export function deserializeModel(buffer: ArrayBufferLike, options: ReadOptions = {}): NgramModel {
  return runToEnd(deserializeSteps(buffer, options));
}

export interface ReadOptions {
  /** Words of the checksum taken between two steps (deserializeSteps). */
  checksumStepWords?: number;
  /**
   * Leave a version-3 file's vocabulary of whitespace tokens as its UTF-8, its strings made when first asked for, and
   * index its bytes instead (byte-vocab.ts; a duplicate token is refused either way). For the command line's `eval`,
   * which reads whitespace text by its bytes: about 35 ms less of a fresh process for Brown.
   */
  lazyStrings?: boolean;
  /**
   * Checks to leave out, each true by default: `checksum`; `checkRanges`, the checks that keep every query in range
   * (each order's lengths, its words within the vocabulary, its child offsets covering the next order and rising);
   * `checkValues`, the checks of the values (probabilities, backoffs, the count overflow table); `indexVocabulary`,
   * the vocabulary's index, which refuses a duplicate token (a model so read scores ids but cannot look tokens up).
   * The header and the sections' bounds are checked either way. Only for bytes checked in full before anything read
   * from them is used: the command line's eval has its main thread take the ranges and the index, and a helper thread
   * the checksum and the values of the same shared bytes, at once (cli/parallel-eval.ts).
   */
  checksum?: boolean;
  checkRanges?: boolean;
  checkValues?: boolean;
  indexVocabulary?: boolean;
}

/**
 * The file each model was read from, when it was read from a version-2 file: its arrays are views into it, so it is
 * the model's serialization as it is, kept at no cost (modelFileSteps).
 */
const fileOf = new WeakMap<NgramModel, ArrayBufferLike>();

/**
 * The model's file for storing (the model cache), as its parts (modelFilePartsSteps): the file it was read from, when
 * it was (a reload's models, a loaded model file), else made from its arrays. Copy the parts (IndexedDB does) but
 * never transfer them, which would detach the model's arrays.
 */
export function* modelFileSteps(model: NgramModel): Generator<void, Uint8Array[]> {
  const file = fileOf.get(model);
  return file ? [new Uint8Array(file)] : yield* modelFilePartsSteps(model);
}

/** Words of the checksum taken between two steps (8 MB: about 5 ms in Node, 25 ms in the page's model worker). */
const CHECKSUM_STEP_WORDS = 1 << 21;

/**
 * `deserializeModel` as steps a driver may pause between (build/scheduler.ts `drive`): the checksum in slices of
 * `checksumStepWords` 32-bit words, the header and sections, each order's checks, the vocabulary. The model worker
 * reads the cached models so while the editor asks it for completions: read in one piece, the site's cached base
 * (37 MB) and code (25 MB) models held it 200 and 140 ms; in steps, none is longer than about 75 ms (the first, page
 * faults and all).
 */
export function* deserializeSteps(
  buffer: ArrayBufferLike,
  {
    checksumStepWords = CHECKSUM_STEP_WORDS,
    lazyStrings = false,
    checksum: withChecksum = true,
    checkRanges = true,
    checkValues = true,
    indexVocabulary = true,
  }: ReadOptions = {},
): Generator<void, NgramModel> {
  const bytes = new Uint8Array(buffer);
  if (buffer.byteLength < PREFIX || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
    throw new ModelFormatError(
      gz ? 'this looks like a gzip file, not a Codegram model; ARPA files are loaded as ARPA' : 'not a Codegram model file (no CODEGRAM signature)',
    );
  }
  const view = new DataView(buffer);
  const version = view.getUint32(8, true);
  if (version < 1 || version > FORMAT_VERSION) {
    throw new ModelFormatError(`model file has format version ${version}; this Codegram reads version ${FORMAT_VERSION} (and versions 1 and 2): rebuild or re-export it`);
  }
  const declared = view.getUint32(16, true);
  if (declared !== buffer.byteLength >>> 0 || buffer.byteLength % 4 !== 0) {
    throw new ModelFormatError(`model file is truncated or padded: ${buffer.byteLength} bytes, header says ${declared}`);
  }
  const headerLength = view.getUint32(12, true);
  const parseHeader = (): unknown => {
    try {
      return JSON.parse(new TextDecoder().decode(bytes.subarray(PREFIX, PREFIX + headerLength)));
    } catch {
      throw new ModelFormatError('model file header is not valid JSON');
    }
  };
  let sum: number;
  if (!withChecksum) sum = view.getUint32(20, true); // taken as it is: no mismatch below
  else if (version === 1) sum = checksumV1(buffer, PREFIX);
  else {
    const words = new Uint32Array(buffer, PREFIX, (buffer.byteLength - PREFIX) >>> 2);
    const lanes = new LaneChecksum(words.length);
    for (let at = 0; at < words.length; at += checksumStepWords) {
      lanes.update(words.subarray(at, at + checksumStepWords));
      if (at + checksumStepWords < words.length) yield;
    }
    sum = lanes.digest();
  }
  if (sum !== view.getUint32(20, true)) {
    // A file labelled version 1 that is not laid out as one (a newer file relabelled) says so, not "corrupt".
    if (version === 1) checkHeaderV1(parseHeader());
    throw new ModelFormatError('model file is corrupt: checksum mismatch');
  }
  yield;
  const parsed = parseHeader();
  let offset = PREFIX + headerLength;
  /** The next `n` 32-bit words of the file as a view. */
  const take = <A extends Uint32Array | Float32Array>(Ctor: new (b: ArrayBufferLike, at: number, n: number) => A, n: number): A => {
    if (offset + n * 4 > buffer.byteLength) throw new ModelFormatError('model file sections run past its end');
    const a = new Ctor(buffer, offset, n);
    offset += n * 4;
    return a;
  };
  let info: ModelInfo;
  /** The vocabulary as strings (versions 1 and 2) or as its section's UTF-8 (version 3). */
  let vocab: string[] | VocabUtf8;
  let orders: ModelOrder[];
  if (version === 1) {
    const header = checkHeaderV1(parsed);
    ({ info, vocab } = header);
    orders = header.sections.map((lengths) => {
      const plain = {} as Record<(typeof V1_ARRAYS)[number], Uint32Array | Float32Array>;
      V1_ARRAYS.forEach((name, i) => {
        // Copies (slice), so the packed model does not keep the whole version-1 buffer alive.
        plain[name] = name === 'log2Prob' || name === 'log2Backoff' ? take(Float32Array, lengths[i]).slice() : take(Uint32Array, lengths[i]).slice();
      });
      return packV1(plain as unknown as PlainOrder);
    });
  } else {
    let header: Header | HeaderV2;
    if (version === 2) ({ vocab } = header = checkHeaderV2(parsed));
    else {
      header = checkHeader(parsed);
      const ends = take(Uint32Array, header.tokens.count);
      const at = offset;
      take(Uint32Array, align4(header.tokens.bytes) >>> 2);
      vocab = checkTokens({ bytes: new Uint8Array(buffer, at, header.tokens.bytes), ends });
    }
    info = header.info;
    const shapes = header.orders;
    orders = shapes.map((shape, k) => {
      const last = k === shapes.length - 1;
      return orderFrom(shape, last, sectionLayout(shape, last).map(([Ctor, words]) => take(Ctor, words)));
    });
    if (offset !== buffer.byteLength) throw new ModelFormatError('model file has bytes after its last section');
  }
  yield;
  const vocabSize = Array.isArray(vocab) ? vocab.length : vocab.ends.length;
  if (orders.length === 0 || orders[0].words.length !== vocabSize) throw new ModelFormatError('model file unigram table does not match its vocabulary');
  for (let k = 0; k < orders.length && (checkRanges || checkValues); k++) {
    checkOrder(orders, k, vocabSize, checkRanges, checkValues);
    yield;
  }
  try {
    let words: Vocab;
    if (Array.isArray(vocab)) words = new Vocab(vocab);
    else {
      words = Vocab.fromUtf8(vocab);
      // Either index refuses a duplicate token: the one the reader will use is made now (only whitespace text is
      // read by its bytes).
      if (!indexVocabulary) {
        // left unindexed: another reader of the same bytes indexes them
      } else if (lazyStrings && info.tokenizer === 'whitespace') ByteVocab.of(words);
      else words.index();
    }
    const model = new NgramModel(words, orders, info);
    if (version !== 1) fileOf.set(model, buffer);
    return model;
  } catch (e) {
    throw new ModelFormatError(`model file is inconsistent: ${(e as Error).message}`);
  }
}

/** A version-1 order packed as the model now holds it; words in the width of the largest (checkOrder bounds them). */
function packV1(o: PlainOrder): ModelOrder {
  try {
    return {
      words: PackedUints.from(o.words),
      counts: PackedCounts.from(o.counts),
      log2Prob: o.log2Prob,
      log2Backoff: o.log2Backoff,
      childStart: PackedUints.from(o.childStart),
    };
  } catch (e) {
    throw new ModelFormatError(`model file holds values that cannot be packed: ${(e as Error).message}`);
  }
}

/** The info every version's header holds, checked field by field: it comes from a file. */
function checkInfo(h: { info?: unknown } | null): boolean {
  const info = h?.info as Partial<ModelInfo> | undefined;
  return (
    !!h &&
    !!info &&
    Number.isInteger(info.order) &&
    (info.tokenizer === 'code' || info.tokenizer === 'whitespace') &&
    typeof info.lines === 'boolean' &&
    Array.isArray(info.discounts) &&
    typeof info.trainingTokens === 'number'
  );
}

const isCount = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0;
const isWidth = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 32;

/** Versions 1 and 2: the vocabulary as a JSON array of strings. */
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((w) => typeof w === 'string');

/** The orders' shapes of a version-2 or -3 header. */
function checkShapes(h: { info?: ModelInfo; orders?: unknown }): boolean {
  return (
    Array.isArray(h.orders) &&
    h.info!.order === h.orders.length &&
    h.orders.every(
      (o: Partial<OrderShape>) =>
        !!o && isCount(o.size) && isWidth(o.wordBits) && isWidth(o.countBits) && isCount(o.overflow) && o.overflow <= o.size && isWidth(o.childBits),
    )
  );
}

function checkHeader(value: unknown): Header {
  const h = value as Partial<Header> | null;
  const ok = checkInfo(h) && checkShapes(h!) && !!h!.tokens && isCount(h!.tokens.count) && isCount(h!.tokens.bytes);
  if (!ok) throw new ModelFormatError('model file header is malformed');
  return h as Header;
}

function checkHeaderV2(value: unknown): HeaderV2 {
  const h = value as Partial<HeaderV2> | null;
  if (!(checkInfo(h) && isStrings(h!.vocab) && checkShapes(h!))) throw new ModelFormatError('model file header is malformed');
  return h as HeaderV2;
}

/**
 * A version-3 vocabulary section as vocab.ts `fromUtf8` takes it: the ends rise to the bytes' length, each falls on
 * a character's boundary, and the bytes are UTF-8.
 */
function checkTokens(tokens: VocabUtf8): VocabUtf8 {
  const { bytes, ends } = tokens;
  const bad = (why: string) => new ModelFormatError(`model file vocabulary ${why}`);
  let prev = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i];
    if (end < prev || end > bytes.length) throw bad('has token ends out of order');
    if (end < bytes.length && (bytes[end] & 0xc0) === 0x80) throw bad('splits a character between two tokens');
    prev = end;
  }
  if (prev !== bytes.length) throw bad('has bytes after its last token');
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw bad('is not valid UTF-8');
  }
  return tokens;
}

function checkHeaderV1(value: unknown): HeaderV1 {
  const h = value as Partial<HeaderV1> | null;
  const ok =
    checkInfo(h) &&
    isStrings(h!.vocab) &&
    Array.isArray(h!.sections) &&
    h!.sections.every((s) => Array.isArray(s) && s.length === V1_ARRAYS.length && s.every(isCount)) &&
    h!.info!.order === h!.sections.length;
  if (!ok) {
    throw new ModelFormatError(
      `model file has format version 1; this Codegram reads version ${FORMAT_VERSION} and converts version 1, but this header is not version 1's: rebuild or re-export it`,
    );
  }
  return h as HeaderV1;
}

/**
 * The trie must be well formed before any query walks it: child offsets rise from 0 to the size of the next
 * order, every word is in the vocabulary, and every count marked as overflowing is in the overflow table. One pass
 * over each order's arrays (checkOrder, for order index k); it catches what a checksum cannot (a file written wrongly,
 * or damaged and re-checksummed), so no query ever reads out of range. `ranges` and `values` (ReadOptions
 * `checkRanges`, `checkValues`) take the two kinds of check apart, in the same order of messages as both together.
 */
function checkOrder(orders: readonly ModelOrder[], k: number, vocabSize: number, ranges = true, values = true): void {
  const o = orders[k];
  const n = o.words.length;
  if (ranges && (o.counts.length !== n || o.log2Prob.length !== n)) throw new ModelFormatError(`model file order ${k + 1} has arrays of different lengths`);
  if (ranges && o.words.max() >= vocabSize) throw new ModelFormatError(`model file order ${k + 1} names a token outside the vocabulary`);
  if (values) {
    if (!allLog2Probs(o.log2Prob)) throw new ModelFormatError(`model file order ${k + 1} holds a probability that is not one`);
    if (!noNaN(o.log2Backoff)) throw new ModelFormatError(`model file order ${k + 1} holds a backoff that is not a number`);
    checkOverflow(o.counts, k);
  }
  if (!ranges) return;
  const last = k === orders.length - 1;
  if (last ? o.childStart.length !== 0 || o.log2Backoff.length !== 0 : o.childStart.length !== n + 1 || o.log2Backoff.length !== n) {
    throw new ModelFormatError(`model file order ${k + 1} has a malformed trie`);
  }
  if (!last) {
    const next = orders[k + 1].words.length;
    const starts = o.childStart;
    if (starts.get(0) !== 0 || starts.get(n) !== next) throw new ModelFormatError(`model file order ${k + 1} has child offsets that do not cover order ${k + 2}`);
    if (!starts.nondecreasing()) throw new ModelFormatError(`model file order ${k + 1} has decreasing child offsets`);
  }
}

/** Whether every value is a log2 probability: ≤ 0 (−∞ for <s>), NaN not. */
function allLog2Probs(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!(a[i] <= 0)) return false;
  return true;
}

/** Whether every value is a number (a backoff may be any). */
function noNaN(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== a[i]) return false;
  return true;
}

/** The overflow table lists, in rising order, exactly the n-grams whose packed count is the all-ones marker. */
function checkOverflow(counts: PackedCounts, k: number): void {
  const at = counts.overflowAt;
  const sentinel = countSentinel(counts.bits);
  const bad = () => new ModelFormatError(`model file order ${k + 1} has a malformed count overflow table`);
  const marked = sentinel >= 0 ? counts.small.indicesOf(sentinel, at.length) : [];
  if (marked.length !== at.length) throw bad();
  for (let j = 0; j < at.length; j++) if (at[j] !== marked[j]) throw bad();
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * The checksum of format version 2: murmur3-style over the 32-bit words from `from` to the end, in four lanes
 * (word i into lane i mod 4) combined at the end. Four independent chains run about three times as fast as one
 * (each step waits on the one before it), and every lane step is a bijection of its state and of its word, so a
 * change to any one word always changes the sum.
 */
export function checksum(buffer: ArrayBufferLike, from: number): number {
  const words = new Uint32Array(buffer, from, (buffer.byteLength - from) >>> 2);
  const sum = new LaneChecksum(words.length);
  sum.update(words);
  return sum.digest();
}

/** `checksum` over words given in pieces (the model file's sections), `total` words in all. */
class LaneChecksum {
  private h0: number;
  private h1: number;
  private h2: number;
  private h3: number;
  /** Words taken so far. */
  private at = 0;
  /** Where the last incomplete group of four starts: words from there on all go to lane 0. */
  private readonly tail: number;

  constructor(private readonly total: number) {
    this.h0 = 0x9747b28c ^ total;
    this.h1 = 0x85ebca6b ^ total;
    this.h2 = 0xc2b2ae35 ^ total;
    this.h3 = 0x27d4eb2f ^ total;
    this.tail = total - (total % 4);
  }

  update(words: Uint32Array): void {
    let { h0, h1, h2, h3 } = this;
    const n = words.length;
    let i = 0;
    // Up to the next multiple of four (a piece may end mid-group), one word at a time into its lane.
    for (; i < n && (this.at + i) % 4 !== 0 && this.at + i < this.tail; i++) {
      const lane = (this.at + i) % 4;
      if (lane === 1) h1 = murmurStep(h1, words[i]);
      else if (lane === 2) h2 = murmurStep(h2, words[i]);
      else h3 = murmurStep(h3, words[i]);
    }
    const groups = Math.min(n, this.tail - this.at);
    for (; i + 4 <= groups; i += 4) {
      h0 = murmurStep(h0, words[i]);
      h1 = murmurStep(h1, words[i + 1]);
      h2 = murmurStep(h2, words[i + 2]);
      h3 = murmurStep(h3, words[i + 3]);
    }
    for (; i < n; i++) {
      const k = this.at + i;
      const lane = k >= this.tail ? 0 : k % 4;
      if (lane === 0) h0 = murmurStep(h0, words[i]);
      else if (lane === 1) h1 = murmurStep(h1, words[i]);
      else if (lane === 2) h2 = murmurStep(h2, words[i]);
      else h3 = murmurStep(h3, words[i]);
    }
    this.at += n;
    this.h0 = h0;
    this.h1 = h1;
    this.h2 = h2;
    this.h3 = h3;
  }

  digest(): number {
    if (this.at !== this.total) throw new Error(`checksum over ${this.at} of ${this.total} words`);
    return murmurFinish(murmurStep(murmurStep(murmurStep(this.h0, this.h1), this.h2), this.h3));
  }
}

/** Version 1's checksum: one murmur3-style chain over the 32-bit words from `from` to the end. */
export function checksumV1(buffer: ArrayBufferLike, from: number): number {
  const words = new Uint32Array(buffer, from, (buffer.byteLength - from) >>> 2);
  let h = 0x9747b28c ^ words.length;
  for (let i = 0; i < words.length; i++) h = murmurStep(h, words[i]);
  return murmurFinish(h);
}

function murmurStep(h: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function murmurFinish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
