/**
 * ARPA import: a model written by KenLM, SRILM or Codegram becomes an NgramModel that scores text
 * exactly as its probabilities and backoffs say (the query in model.ts is the ARPA backoff rule).
 *
 * Read line by line from any iterable of text chunks, so a large file streams; `readArpaAsync` takes an async
 * source (a decompressing stream in the web worker): the same parser then yields 'more' whenever it has run out
 * of text, and the driver awaits the next chunk. Every error names the line.
 *
 * Requirements, as KenLM's loader has them: `<s>` among the unigrams, every word of an n-gram among the unigrams.
 * n-grams with `<unk>` in them (and their backoffs) are read like any other, and an unknown word of the text is
 * looked up as `<unk>`. A missing `<unk>` unigram gets log10 p = −100, as KenLM does, and then, as in KenLM's
 * `query`, n-grams with `<unk>` after their first word are never used (see where they are dropped).
 *
 * Gaps: pruned, hand-edited or merged files may list an n-gram without its context (its first n−1 words) or
 * without its suffix (its last n−1 words), or lack an n-gram between it and its lower orders. The query in model.ts
 * (like KenLM's) walks from the unigram up through ever longer n-grams ending in the word and stops at the first one
 * it lacks, and the trie stores an n-gram under its context; so every missing n-gram inside a listed one (a suffix,
 * the context, a context of a suffix, …) is inserted, with backoff 0 (log10) and, as probability, the value the ARPA
 * backoff rule gives it without it: p(w | h) = p(h w) if listed, else γ(h) · p(w | h minus its first word), where
 * γ of a context that is not listed is 1. That is KenLM's rule for the "blanks" of its probing model, which `query`
 * uses on an ARPA file (search_hashed.cc: `FindLower` finds the longest suffix present and inserts the missing
 * ones above it with blank.hh's zero backoff kNoExtensionBackoff; `AdjustLower` gives them, up the chain, that
 * suffix's probability plus the backoff of each inserted one's context). KenLM's trie (search_trie.cc `FindBlanks`,
 * `SRISucks`) starts its sums from the longest suffix that is not itself a blank; the probing model's way, followed
 * here, gives the same numbers but for the quirk below. So an inserted n-gram
 * scores as backing off past it would, and with backoff 0 it changes nothing scored after it either: the query
 * gives the same total whether or not it stops there. One quirk is kept to match `query`: KenLM reads a stored
 * probability back as −|p| (the sign bit holds a flag), so an inserted value that positive backoffs make positive
 * (p·γ > 1, an inconsistent model) becomes −|value| (details at `fillGaps`).
 * KenLM refuses a file whose n-gram lacks its context ("The context of every n-gram should appear as a
 * (n−1)-gram"), unless an earlier blank happens to supply it; this reader accepts it and inserts the context by the
 * same rule, which is the score KenLM gives when such a blank is there. A file without gaps loads exactly as listed
 * (same n-grams, same counts).
 */
import { unescapeArpaToken } from './arpa.ts';
import { permute, trieOrder } from './counts.ts';
import { CodegramError } from './errors.ts';
import { NgramModel, packOrder, type PlainOrder } from './model.ts';
import { BOS, MAX_ORDER, SPECIAL_TOKENS, UNK, type TokenizerName } from './types.ts';
import { Vocab } from './vocab.ts';

/** A file that is not ARPA as KenLM reads it; the message names the line. */
export class ArpaError extends CodegramError {
  override name = 'ArpaError';
  constructor(message: string) {
    super('bad-input', message);
  }
}

export interface ArpaOptions {
  /** How the model's words were made; 'code' unescapes `\s`, `\n`, … as Codegram's export writes them. */
  tokenizer?: TokenizerName;
  /** Text convention the model expects when scoring (KenLM: one sentence per line). Default true. */
  lines?: boolean;
  /** Name shown in messages. */
  name?: string;
}

export interface ArpaProgress {
  stage: 'arpa';
  fraction: number;
  tokens: number;
}

const LOG2_10 = Math.log2(10);
const MISSING_UNK_LOG10 = -100;

/** The parser has used every line it was given and waits for more text (async sources only). */
export interface ArpaMore {
  stage: 'more';
}
export type ArpaStep = ArpaProgress | ArpaMore;

const MORE = Symbol('more');
const MORE_STEP: ArpaMore = { stage: 'more' };

/**
 * Lines of text chunks (without the newline). A sync source is pulled on demand; without one, chunks are
 * pushed and `take` answers MORE until the next push or the end.
 */
class LineFeed {
  private lines: string[] = [];
  private at = 0;
  private rest = '';
  private ended = false;

  constructor(private source?: Iterator<string>) {}

  push(chunk: string): void {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop()!;
    this.lines = this.at < this.lines.length ? this.lines.slice(this.at).concat(parts) : parts;
    this.at = 0;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.rest) this.push('\n');
  }

  take(): string | undefined | typeof MORE {
    while (this.at >= this.lines.length) {
      if (this.ended) return undefined;
      if (!this.source) return MORE;
      const r = this.source.next();
      if (r.done) this.end();
      else this.push(r.value);
    }
    return this.lines[this.at++];
  }
}

interface PendingOrder {
  parents: Uint32Array;
  words: Uint32Array;
  log2Prob: Float32Array;
  log2Backoff: Float32Array;
}

export function* readArpaSteps(chunks: Iterable<string> | LineFeed, options: ArpaOptions = {}): Generator<ArpaStep, NgramModel> {
  const name = options.name ?? 'ARPA file';
  const unescape = options.tokenizer === 'code' ? unescapeArpaToken : (w: string) => w;
  const feed = chunks instanceof LineFeed ? chunks : new LineFeed(chunks[Symbol.iterator]());
  let lineNo = 0;
  const fail = (msg: string): never => {
    throw new ArpaError(`${name}, line ${lineNo}: ${msg}`);
  };
  // `line = take(); if (line === MORE) line = yield* wait();` — a generator object only when the feed is dry.
  const take = (): string | undefined | typeof MORE => {
    const r = feed.take();
    if (typeof r !== 'string') return r;
    lineNo++;
    return r.endsWith('\r') ? r.slice(0, -1) : r;
  };
  function* wait(): Generator<ArpaStep, string | undefined> {
    let r = take();
    while (r === MORE) {
      yield MORE_STEP;
      r = take();
    }
    return r;
  }

  // Header: anything before \data\ is ignored; then "ngram N=COUNT" lines.
  let line = take();
  if (line === MORE) line = yield* wait();
  while (line !== undefined && line.trim() !== '\\data\\') {
    line = take();
    if (line === MORE) line = yield* wait();
  }
  if (line === undefined) throw new ArpaError(`${name} is not an ARPA file: no \\data\\ line`);
  const declared: number[] = [];
  for (;;) {
    line = take();
    if (line === MORE) line = yield* wait();
    if (line === undefined || line.trim() === '') break;
    const m = /^ngram\s+(\d+)\s*=\s*(\d+)\s*$/.exec(line.trim());
    if (!m) fail(`expected "ngram N=COUNT", got "${line.slice(0, 60)}"`);
    const n = Number(m![1]);
    if (n !== declared.length + 1) fail(`n-gram orders must be listed 1, 2, 3, …; got ${n}`);
    if (n > MAX_ORDER) fail(`order ${n} is above the supported maximum ${MAX_ORDER}`);
    declared.push(Number(m![2]));
  }
  if (declared.length === 0) fail('no "ngram N=COUNT" lines after \\data\\');
  const N = declared.length;
  const total = declared.reduce((a, b) => a + b, 0);

  const vocab = new Vocab();
  const orders: PlainOrder[] = [];
  let seen = 0;
  let unkListed = true;
  for (let n = 1; n <= N; n++) {
    do {
      line = take();
      if (line === MORE) line = yield* wait();
    } while (line !== undefined && line.trim() === '');
    if (line?.trim() !== `\\${n}-grams:`) fail(`expected "\\${n}-grams:", got "${(line ?? 'end of file').slice(0, 60)}"`);
    const count = declared[n - 1];
    const pending: PendingOrder = {
      parents: new Uint32Array(count),
      words: new Uint32Array(count),
      log2Prob: new Float32Array(count),
      log2Backoff: new Float32Array(count),
    };
    // n-grams whose context or suffix is not among the (n−1)-grams, kept with all their words until the gaps are filled.
    const gapped: Gapped = { ids: [], log2Prob: [], log2Backoff: [] };
    let listed = 0;
    const ids = new Array<number>(n);
    // Neighbouring lines often share their context (Codegram's order) or their suffix (suffix-sorted files): look each up once.
    // The suffix w2..wn is looked up as its context w2..wn−1 (which depends on the context alone) plus wn.
    const lastContext = new Int32Array(Math.max(0, n - 1)).fill(-1);
    const lastSuffix = new Int32Array(Math.max(0, n - 1)).fill(-1);
    let parent = -1;
    let suffixContext = -1; // node of the context minus its first word
    let suffixListed = true;
    for (let i = 0; i < count; i++) {
      line = take();
      if (line === MORE) line = yield* wait();
      if (line === undefined) fail(`file ends after ${i} of the ${count} ${n}-grams it declares`);
      const fields = line!.trim().split(/\s+/);
      if (fields.length !== n + 1 && fields.length !== n + 2) {
        fail(`a ${n}-gram line needs a log10 probability, ${n} word${n > 1 ? 's' : ''} and an optional backoff; got ${fields.length} fields`);
      }
      const prob = Number(fields[0]);
      const backoff = fields.length === n + 2 ? Number(fields[n + 1]) : 0;
      if (!Number.isFinite(prob) || prob > 0) fail(`probability "${fields[0]}" is not a log10 probability`);
      if (!Number.isFinite(backoff)) fail(`backoff "${fields[n + 1]}" is not a number`);
      for (let k = 0; k < n; k++) {
        const w = unescape(fields[k + 1]);
        if (n === 1) ids[k] = vocab.add(w);
        else {
          ids[k] = vocab.id(w);
          if (ids[k] === UNK && w !== SPECIAL_TOKENS[UNK]) fail(`word "${w}" is not among the unigrams`);
        }
      }
      const log2Prob = ids[n - 1] === BOS && n === 1 ? -Infinity : prob * LOG2_10;
      // Without a listed <unk>, KenLM gives <unk> its −100 after loading, in a way that marks it as ending no longer
      // n-gram: `query` then never reaches an n-gram with <unk> after its first word. Such n-grams are dropped here.
      if (n > 1 && !unkListed && ids.indexOf(UNK, 1) > 0) {
        if (++seen % 65536 === 0) yield { stage: 'arpa', fraction: seen / total, tokens: seen };
        continue;
      }
      if (n > 1) {
        if (!sameWords(lastContext, ids, 0)) {
          parent = findNgram(orders, ids, 0, n - 1);
          if (n > 2) suffixContext = findNgram(orders, ids, 1, n - 1);
        }
        // The suffix of a bigram is a unigram, always there; a longer one must be listed for the query to reach this n-gram.
        if (n > 2 && !sameWords(lastSuffix, ids, 1)) suffixListed = suffixContext >= 0 && plainChild(orders, n - 3, suffixContext, ids[n - 1]) >= 0;
      }
      if (n === 1 || (parent >= 0 && suffixListed)) {
        pending.parents[listed] = n === 1 ? 0 : parent;
        pending.words[listed] = ids[n - 1];
        pending.log2Prob[listed] = log2Prob;
        pending.log2Backoff[listed] = backoff * LOG2_10;
        listed++;
      } else {
        for (let k = 0; k < n; k++) gapped.ids.push(ids[k]);
        gapped.log2Prob.push(log2Prob);
        gapped.log2Backoff.push(backoff * LOG2_10);
      }
      if (++seen % 65536 === 0) yield { stage: 'arpa', fraction: seen / total, tokens: seen };
    }
    const complete = gapped.log2Prob.length > 0 ? fillGaps(orders, pending, listed, gapped, n, vocab.size) : listed < count ? firstOf(pending, listed) : pending;
    orders.push(n === 1 ? unigramOrder(vocab, complete, N, fail) : sortOrder(orders, complete, vocab.size, n, N, fail));
    if (n === 1) unkListed = complete.words.includes(UNK);
  }
  do {
    line = take();
    if (line === MORE) line = yield* wait();
  } while (line !== undefined && line.trim() === '');
  if (line?.trim() !== '\\end\\') fail(`expected \\end\\ after the ${N}-grams, got "${(line ?? 'end of file').slice(0, 60)}"`);
  yield { stage: 'arpa', fraction: 1, tokens: seen };
  return new NgramModel(vocab, orders.map((o) => packOrder(o, vocab.size)), {
    order: N,
    tokenizer: options.tokenizer ?? 'whitespace',
    lines: options.lines ?? true,
    discounts: [],
    trainingTokens: 0,
    smoothing: 'arpa',
  });
}

export function readArpa(text: string | Iterable<string>, options: ArpaOptions = {}): NgramModel {
  const gen = readArpaSteps(typeof text === 'string' ? [text] : text, options);
  for (;;) {
    const r = gen.next();
    if (r.done) return r.value;
  }
}

export interface ArpaHooks {
  onProgress?: (p: ArpaProgress) => void;
  /** Awaited after each progress step: a worker yields to its event loop there (and may throw to cancel). */
  pause?: () => Promise<void>;
}

/** Reads an ARPA file from an async source of text chunks (e.g. a decompressing, decoding stream). */
export async function readArpaAsync(chunks: AsyncIterator<string>, options: ArpaOptions = {}, hooks: ArpaHooks = {}): Promise<NgramModel> {
  const feed = new LineFeed();
  const gen = readArpaSteps(feed, options);
  for (;;) {
    const r = gen.next();
    if (r.done) return r.value;
    if (r.value.stage === 'more') {
      const c = await chunks.next();
      if (c.done) feed.end();
      else feed.push(c.value);
    } else {
      hooks.onProgress?.(r.value);
      await hooks.pause?.();
    }
  }
}

/** n-grams of one order that arrived before the n-grams inside them: words (n per n-gram) and values. */
interface Gapped {
  ids: number[];
  log2Prob: number[];
  log2Backoff: number[];
}

function firstOf(p: PendingOrder, size: number): PendingOrder {
  return { parents: p.parents.subarray(0, size), words: p.words.subarray(0, size), log2Prob: p.log2Prob.subarray(0, size), log2Backoff: p.log2Backoff.subarray(0, size) };
}

/** Whether ids[from .. from+last.length) equals `last`; if not, `last` becomes that run of ids. */
function sameWords(last: Int32Array, ids: readonly number[], from: number): boolean {
  let same = true;
  for (let k = 0; k < last.length; k++) {
    if (last[k] !== ids[from + k]) {
      same = false;
      last[k] = ids[from + k];
    }
  }
  return same;
}

/** Node of the n-gram ids[from .. to) (at order index to−from−1), or −1 when it (or a prefix of it) is not listed. */
function findNgram(orders: readonly PlainOrder[], ids: ArrayLike<number>, from: number, to: number): number {
  let node = ids[from];
  for (let k = 1; k < to - from && node >= 0; k++) node = plainChild(orders, k - 1, node, ids[from + k]);
  return node;
}

/** model.ts's childIndex over the plain arrays the reader builds before packing them. */
function plainChild(orders: readonly PlainOrder[], k: number, node: number, word: number): number {
  const words = orders[k + 1].words;
  let lo = orders[k].childStart[node];
  let hi = orders[k].childStart[node + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = words[mid];
    if (v === word) return mid;
    if (v < word) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Fills the gaps of order n, then returns its n-grams: the listed ones (their parents renumbered) and the gapped
 * ones. The gapped n-grams are taken in file order, as KenLM's ReadNGrams takes them, and for each
 * - the missing suffixes are inserted as KenLM's FindLower/AdjustLower insert blanks: above the longest suffix
 *   present (listed or inserted before; the unigram at worst), each longer one gets the running sum of that
 *   suffix's probability and the backoff of each inserted suffix's context (a context not listed adds 0);
 * - then the context, if missing (where KenLM gives up), is inserted by the same rule, and so is the context's
 *   own context if that is missing too, and so on.
 * Every inserted n-gram has backoff 0. Its probability is what the ARPA backoff rule gives it, with KenLM's one
 * twist kept: KenLM keeps a flag in the sign bit of a stored probability and reads every probability back as
 * −|p|, so where positive backoffs make the sum positive (p·γ > 1, an inconsistent model) the stored value is −|sum|,
 * and a later chain that starts from that entry starts from −|sum| (within one chain the running sum goes on
 * unsigned). Rare, but it is what `query` prints.
 */
function fillGaps(orders: PlainOrder[], pending: PendingOrder, listed: number, gapped: Gapped, n: number, vocabSize: number): PendingOrder {
  // Inserted n-grams by length: words and probability (log2), keyed by their words.
  const added: Map<string, { g: number[]; log2Prob: number }>[] = Array.from({ length: n }, () => new Map());
  const unigramProb = orders[0].log2Prob;
  const unigramBackoff = orders[0].log2Backoff;
  const suffix = (g: readonly number[], m: number) => g.slice(g.length - m);
  /** Probability of a present n-gram (listed or inserted), or undefined when it is missing. */
  const probOf = (g: readonly number[]): number | undefined => {
    const node = findNgram(orders, g, 0, g.length);
    return node >= 0 ? orders[g.length - 1].log2Prob[node] : added[g.length].get(g.join(' '))?.log2Prob;
  };
  const backoffOf = (h: readonly number[]): number => {
    if (h.length === 1) return unigramBackoff[h[0]];
    const node = findNgram(orders, h, 0, h.length);
    return node >= 0 ? orders[h.length - 1].log2Backoff[node] : 0; // inserted or missing: weight 1
  };
  /** Inserts the missing suffixes of g of lengths up to `top` (AdjustLower's chain). */
  const fillSuffixes = (g: readonly number[], top: number): void => {
    let m = top;
    let basis: number | undefined;
    while (m >= 2 && (basis = probOf(suffix(g, m))) === undefined) m--;
    if (m === top) return;
    let sum = -Math.abs(m === 1 ? unigramProb[g[g.length - 1]] : basis!);
    for (m++; m <= top; m++) {
      const s = suffix(g, m);
      sum += backoffOf(s.slice(0, -1));
      added[m].set(s.join(' '), { g: s, log2Prob: -Math.abs(sum) });
    }
  };
  const ensureContext = (g: readonly number[]): void => {
    const h = g.slice(0, -1);
    if (h.length < 2 || probOf(h) !== undefined) return;
    fillSuffixes(h, h.length);
    ensureContext(h);
  };
  const count = gapped.log2Prob.length;
  for (let i = 0; i < count; i++) {
    const g = gapped.ids.slice(i * n, (i + 1) * n);
    fillSuffixes(g, n - 1);
    ensureContext(g);
  }
  const parents = pending.parents.subarray(0, listed);
  for (let m = 2; m < n; m++) {
    const add = [...added[m].values()];
    if (add.length === 0) continue;
    // Contexts of length m−1 are all in the trie by now (inserted at the previous step if they were missing).
    const addParents = add.map((a) => findNgram(orders, a.g, 0, m - 1));
    const addWords = add.map((a) => a.g[m - 1]);
    const renumber = insertNgrams(orders, m - 1, addParents, addWords, add.map((a) => a.log2Prob), vocabSize);
    if (m === n - 1) for (let i = 0; i < parents.length; i++) parents[i] = renumber[parents[i]];
  }
  const size = listed + count;
  const out: PendingOrder = {
    parents: new Uint32Array(size),
    words: new Uint32Array(size),
    log2Prob: new Float32Array(size),
    log2Backoff: new Float32Array(size),
  };
  out.parents.set(parents);
  out.words.set(pending.words.subarray(0, listed));
  out.log2Prob.set(pending.log2Prob.subarray(0, listed));
  out.log2Backoff.set(pending.log2Backoff.subarray(0, listed));
  for (let i = 0; i < count; i++) {
    const g = gapped.ids.slice(i * n, (i + 1) * n);
    out.parents[listed + i] = findNgram(orders, g, 0, n - 1);
    out.words[listed + i] = g[n - 1];
    out.log2Prob[listed + i] = gapped.log2Prob[i];
    out.log2Backoff[listed + i] = gapped.log2Backoff[i];
  }
  return out;
}

/**
 * Adds n-grams (backoff 0) to the finished order index k ≥ 1, keeping the trie sorted: the order below gets new child
 * ranges, and order k's own child ranges (when order k+1 is built) follow its renumbered entries. Returns the new
 * index of each old entry of order k (the order is kept, so children stay sorted).
 */
function insertNgrams(orders: PlainOrder[], k: number, addParents: number[], addWords: number[], addLog2Prob: number[], vocabSize: number): Uint32Array {
  const lower = orders[k - 1];
  const o = orders[k];
  const old = o.words.length;
  const size = old + addWords.length;
  const parents = new Uint32Array(size);
  const words = new Uint32Array(size);
  const log2Prob = new Float32Array(size);
  const log2Backoff = new Float32Array(size);
  for (let p = 0; p < lower.words.length; p++) parents.fill(p, lower.childStart[p], lower.childStart[p + 1]);
  words.set(o.words);
  log2Prob.set(o.log2Prob);
  log2Backoff.set(o.log2Backoff);
  for (let i = 0; i < addWords.length; i++) {
    parents[old + i] = addParents[i];
    words[old + i] = addWords[i];
    log2Prob[old + i] = addLog2Prob[i];
  }
  const { order, starts } = trieOrder(parents, words, lower.words.length, vocabSize);
  lower.childStart = starts;
  const renumber = new Uint32Array(size);
  for (let r = 0; r < size; r++) renumber[order[r]] = r;
  let childStart = o.childStart;
  if (k + 1 < orders.length) {
    childStart = new Uint32Array(size + 1);
    for (let i = 0; i < old; i++) childStart[renumber[i] + 1] = o.childStart[i + 1] - o.childStart[i];
    for (let r = 0; r < size; r++) childStart[r + 1] += childStart[r];
  }
  orders[k] = {
    words: permute(words, order),
    counts: new Uint32Array(size),
    log2Prob: permute(log2Prob, order),
    log2Backoff: permute(log2Backoff, order),
    childStart,
  };
  return renumber;
}

/** Unigrams are indexed by token id; specials the file lacks are added (<unk> at −100, as KenLM does). */
function unigramOrder(vocab: Vocab, p: PendingOrder, N: number, fail: (m: string) => never): PlainOrder {
  const V = vocab.size;
  if (p.words.length !== new Set(p.words).size) fail('a unigram is listed twice');
  if (!vocab.has(SPECIAL_TOKENS[BOS]) || !p.words.includes(BOS)) fail('the unigrams lack <s>');
  const log2Prob = new Float32Array(V).fill(-Infinity);
  const log2Backoff = new Float32Array(N > 1 ? V : 0);
  if (!p.words.includes(UNK)) log2Prob[UNK] = MISSING_UNK_LOG10 * LOG2_10;
  for (let i = 0; i < p.words.length; i++) {
    log2Prob[p.words[i]] = p.log2Prob[i];
    if (N > 1) log2Backoff[p.words[i]] = p.log2Backoff[i];
  }
  log2Prob[BOS] = -Infinity;
  const words = new Uint32Array(V);
  for (let w = 0; w < V; w++) words[w] = w;
  return { words, counts: new Uint32Array(V), log2Prob, log2Backoff, childStart: new Uint32Array(0) };
}

function sortOrder(orders: PlainOrder[], p: PendingOrder, vocabSize: number, n: number, N: number, fail: (m: string) => never): PlainOrder {
  const lower = orders[n - 2];
  const { order, starts } = trieOrder(p.parents, p.words, lower.words.length, vocabSize);
  lower.childStart = starts;
  const words = permute(p.words, order);
  const parents = permute(p.parents, order);
  for (let r = 1; r < words.length; r++) {
    if (words[r] === words[r - 1] && parents[r] === parents[r - 1]) fail(`an ${n}-gram is listed twice`);
  }
  return {
    words,
    counts: new Uint32Array(words.length),
    log2Prob: permute(p.log2Prob, order),
    log2Backoff: n < N ? permute(p.log2Backoff, order) : new Float32Array(0),
    childStart: new Uint32Array(0),
  };
}
