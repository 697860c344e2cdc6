/**
 * "Why this suggestion": where in the training corpus a context is followed by a token, in the spirit of
 * infini-gram's document view (Liu et al. 2024), without a suffix array.
 *
 * Input:  the training files of one corpus (path and text) and the vocabulary of the model trained on them.
 * Output: a CorpusIndex, the corpus as one Int32Array of token ids `<s> w… </s> <s> …` (one sentence per
 *         file, exactly the stream the model was counted from) plus the stream offset of each file.
 *
 * Memory: 4 bytes per training token plus 4 bytes and a path string per file. The training texts are not
 * kept: the code tokenizer is lossless, so a file's text is the concatenation of its tokens, and a hit is
 * turned back into a file, a line number and a snippet by joining the tokens of that one file.
 * On the default corpora: 1.24 M English + 2.41 M code tokens ≈ 14.6 MB (see `bytes`, and npm run bench).
 *
 * Search: one linear pass over the stream for the token's id; at each occurrence the context is compared
 * backwards, which gives the count of every context length at once; the longest length with a hit wins (as
 * the model's backoff does: it answers from the longest n-gram it has seen). A scan of a few million ints
 * takes milliseconds (npm run bench), so a suffix array (4–8 bytes more per token) is not needed.
 */
import { getTokenizer } from '../lm/tokenizer.ts';
import { BOS, EOS, UNK, type TokenId, type TokenizerName } from '../lm/types.ts';
import type { Vocab } from '../lm/vocab.ts';

export interface CorpusIndex {
  /** What the corpus is, for display: "English", "Code". */
  name: string;
  vocab: Vocab;
  /** `<s> w… </s>` per file, ids in `vocab`. */
  stream: Int32Array;
  /** Stream offset of each file's `<s>`; `starts[files]` is the stream's length. */
  starts: Int32Array;
  paths: string[];
  /** Training tokens, `<s>` and `</s>` excluded. */
  tokens: number;
}

export function indexBytes(index: CorpusIndex): number {
  return index.stream.byteLength + index.starts.byteLength;
}

/**
 * Tokenizes files into a CorpusIndex with an existing vocabulary (the model's: tokens it lacks become <unk>,
 * which cannot happen for the files it was trained on). A generator yielding the fraction done, so the
 * worker can run it in slices.
 */
export function* indexSteps(name: string, files: readonly { path: string; text: string }[], vocab: Vocab, tokenizer: TokenizerName): Generator<number, CorpusIndex> {
  const tokenize = getTokenizer(tokenizer);
  const parts: Int32Array[] = [];
  const starts = new Int32Array(files.length + 1);
  let at = 0;
  let tokens = 0;
  let sinceYield = 0;
  for (let f = 0; f < files.length; f++) {
    const words = tokenize(files[f].text);
    const ids = new Int32Array(words.length + 2);
    ids[0] = BOS;
    for (let i = 0; i < words.length; i++) ids[i + 1] = vocab.id(words[i]);
    ids[words.length + 1] = EOS;
    starts[f] = at;
    at += ids.length;
    tokens += words.length;
    parts.push(ids);
    sinceYield += files[f].text.length;
    if (sinceYield > 1 << 18) {
      sinceYield = 0;
      yield f / files.length;
    }
  }
  starts[files.length] = at;
  const stream = new Int32Array(at);
  let o = 0;
  for (const p of parts) {
    stream.set(p, o);
    o += p.length;
  }
  return { name, vocab, stream, starts, paths: files.map((f) => f.path), tokens };
}

/**
 * A build job's token stream (build/jobs.ts keepStream): `<s> w… </s>` for each of `files` in turn, ids in `vocab`,
 * exactly what a model was counted from.
 */
export interface TrainedStream<F> {
  files: readonly F[];
  vocab: Vocab;
  stream: Int32Array;
}

/** Where each of the stream's `count` sentences starts (and its length last); null unless it holds exactly `count`. */
function sentenceStarts(stream: Int32Array, count: number): Int32Array | null {
  const starts = new Int32Array(count + 1);
  let k = 0;
  for (let i = 0; i < stream.length; i++) {
    if (stream[i] !== BOS) continue;
    if (k === count) return null;
    starts[k++] = i;
  }
  starts[count] = stream.length;
  return k === count ? starts : null;
}

/**
 * The CorpusIndex that indexSteps makes of `files`, from the build jobs' streams instead of tokenizing again: each
 * file's sentence is found in the stream holding it (the very file object; the first such stream) and copied with its
 * ids turned into `vocab`'s. A first visit tokenized the whole training corpus a second time in the model worker for
 * this (1–2 s there, beside the build). Null when a stream does not hold one sentence per file, or a file is in none
 * (tokenize with indexSteps then).
 */
export function indexFromStreams<F extends { path: string }>(name: string, files: readonly F[], vocab: Vocab, streams: readonly TrainedStream<F>[]): CorpusIndex | null {
  const where = new Map<F, { s: number; k: number }>();
  const starts: Int32Array[] = [];
  for (let s = 0; s < streams.length; s++) {
    const st = sentenceStarts(streams[s].stream, streams[s].files.length);
    if (!st) return null;
    starts.push(st);
    streams[s].files.forEach((f, k) => {
      if (!where.has(f)) where.set(f, { s, k });
    });
  }
  // Each stream's ids as `vocab`'s (the same vocabulary: as they are).
  const maps = streams.map(({ vocab: own }) => (own === vocab ? null : Int32Array.from(own.words, (w) => vocab.id(w))));
  let total = 0;
  for (const f of files) {
    const at = where.get(f);
    if (!at) return null;
    total += starts[at.s][at.k + 1] - starts[at.s][at.k];
  }
  const stream = new Int32Array(total);
  const fileStarts = new Int32Array(files.length + 1);
  let o = 0;
  files.forEach((f, i) => {
    const { s, k } = where.get(f)!;
    const from = streams[s].stream.subarray(starts[s][k], starts[s][k + 1]);
    const map = maps[s];
    fileStarts[i] = o;
    if (map) for (let j = 0; j < from.length; j++) stream[o + j] = map[from[j]];
    else stream.set(from, o);
    o += from.length;
  });
  fileStarts[files.length] = total;
  return { name, vocab, stream, starts: fileStarts, paths: files.map((f) => f.path), tokens: total - 2 * files.length };
}

/** One place a context is followed by the token: the file, the line of the token, a snippet in four parts. */
export interface ContinuationHit {
  path: string;
  /** 1-based line of the token's first character. */
  line: number;
  /** Text before the matched context on its line(s), the matched context, the token, the rest of the line. */
  before: string;
  context: string;
  token: string;
  after: string;
}

export interface ContinuationReport {
  corpus: string;
  /** The tokens of the context that matched (the longest suffix of the asked context seen before the token). */
  matchedContext: string[];
  /** n of the matched n-gram: matched context plus the token. 0 when the token never occurs. */
  order: number;
  /** Occurrences of matched context + token, and the files they are in. */
  count: number;
  files: number;
  /** Occurrences of the token alone, any context. */
  tokenCount: number;
  hits: ContinuationHit[];
  elapsedMs: number;
}

const SNIPPET_CHARS = 120;

/**
 * Where `context` (token strings, oldest first) followed by `token` occurs, matching at most `maxContext`
 * context tokens and never across a file boundary. Up to `maxHits` snippets, from different files first.
 */
export function findContinuations(index: CorpusIndex, context: readonly string[], token: string, maxContext: number, maxHits = 5): ContinuationReport {
  const started = performance.now();
  const target = index.vocab.has(token) ? index.vocab.id(token) : -1;
  const want = context.slice(Math.max(0, context.length - maxContext));
  // Context ids, newest first; an unknown token can match nothing, so the match stops there.
  const ctx: TokenId[] = [];
  for (let i = want.length - 1; i >= 0; i--) {
    if (!index.vocab.has(want[i])) break;
    ctx.push(index.vocab.id(want[i]));
  }
  const empty = { corpus: index.name, matchedContext: [], order: 0, count: 0, files: 0, tokenCount: 0, hits: [] };
  if (target < 0 || target === UNK) return { ...empty, elapsedMs: performance.now() - started };

  const s = index.stream;
  // Pass 1: for every occurrence, how many context tokens match backwards; histogram by length.
  const atLeast = new Float64Array(ctx.length + 1);
  let tokenCount = 0;
  for (let p = 0; p < s.length; p++) {
    if (s[p] !== target) continue;
    tokenCount++;
    atLeast[matchLength(s, p, ctx)]++;
  }
  for (let L = ctx.length - 1; L >= 0; L--) atLeast[L] += atLeast[L + 1];
  let L = ctx.length;
  while (L > 0 && atLeast[L] === 0) L--;
  if (tokenCount === 0) return { ...empty, elapsedMs: performance.now() - started };

  // Pass 2: the occurrences with at least L matching tokens, their files, snippets from distinct files first.
  const positions: number[] = [];
  const seenFiles = new Set<number>();
  let files = 0;
  let lastFile = -1;
  let f = 0;
  const spare: number[] = [];
  for (let p = 0; p < s.length; p++) {
    if (s[p] !== target || matchLength(s, p, ctx) < L) continue;
    while (index.starts[f + 1] <= p) f++;
    if (f !== lastFile) {
      files++;
      lastFile = f;
    }
    if (!seenFiles.has(f) && positions.length < maxHits) {
      seenFiles.add(f);
      positions.push(p);
    } else if (spare.length < maxHits) spare.push(p);
  }
  for (const p of spare) if (positions.length < maxHits) positions.push(p);
  positions.sort((a, b) => a - b);
  const matchedContext = ctx
    .slice(0, L)
    .reverse()
    .map((id) => index.vocab.token(id));
  return {
    corpus: index.name,
    matchedContext,
    order: L + 1,
    count: atLeast[L],
    files,
    tokenCount,
    hits: positions.map((p) => hitAt(index, p, L)),
    elapsedMs: performance.now() - started,
  };
}

/** Context tokens (newest first) equal to those before position p, stopping at a file's <s>. */
function matchLength(s: Int32Array, p: number, ctx: readonly TokenId[]): number {
  let m = 0;
  while (m < ctx.length && p - 1 - m >= 0 && s[p - 1 - m] === ctx[m]) m++;
  return m;
}

/** Rebuilds the file's text around stream position p (the token) with L context tokens before it. */
export function hitAt(index: CorpusIndex, p: number, L: number): ContinuationHit {
  const { stream: s, starts, vocab } = index;
  let lo = 0;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid] <= p) lo = mid;
    else hi = mid - 1;
  }
  const file = lo;
  const end = starts[file + 1] - 1; // the file's </s>
  let prefix = '';
  for (let i = starts[file] + 1; i < p - L; i++) prefix += vocab.token(s[i]);
  let context = '';
  for (let i = p - L; i < p; i++) context += vocab.token(s[i]);
  const token = vocab.token(s[p]);
  let after = '';
  for (let i = p + 1; i < end && !after.includes('\n') && after.length < SNIPPET_CHARS; i++) after += vocab.token(s[i]);
  const line = countNewlines(prefix + context) + 1;
  const lineStart = prefix.lastIndexOf('\n') + 1;
  let before = prefix.slice(lineStart);
  if (before.length > SNIPPET_CHARS) before = '…' + before.slice(before.length - SNIPPET_CHARS);
  const cut = after.indexOf('\n');
  if (cut >= 0) after = after.slice(0, cut);
  if (after.length > SNIPPET_CHARS) after = after.slice(0, SNIPPET_CHARS) + '…';
  return { path: index.paths[file], line, before, context, token, after };
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
