/**
 * ARPA import: a model written by KenLM, SRILM or Codegram becomes an NgramModel that scores text
 * exactly as its probabilities and backoffs say (the query in model.ts is the ARPA backoff rule).
 *
 * Read line by line from any iterable of text chunks, so a large file streams; `readArpaAsync` takes an async
 * source (a decompressing stream in the web worker): the same parser then yields 'more' whenever it has run out
 * of text, and the driver awaits the next chunk. Every error names the line.
 * Requirements, as KenLM's loader has them: `<s>` among the unigrams, and every n-gram's context
 * (its first n−1 words) present among the (n−1)-grams. A missing `<unk>` gets log10 p = −100, as KenLM does.
 */
import { unescapeArpaToken } from './arpa.ts';
import { permute, trieOrder } from './counts.ts';
import { childIndex, NgramModel, type ModelOrder } from './model.ts';
import { BOS, MAX_ORDER, SPECIAL_TOKENS, UNK, type TokenizerName } from './types.ts';
import { Vocab } from './vocab.ts';

export class ArpaError extends Error {
  override name = 'ArpaError';
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
  const orders: ModelOrder[] = [];
  let seen = 0;
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
    const ids = new Array<number>(n);
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
      let parent = 0;
      if (n > 1) {
        parent = ids[0];
        for (let k = 1; k < n - 1 && parent >= 0; k++) parent = childIndex(orders, k - 1, parent, ids[k]);
        if (parent < 0) fail(`the context "${fields.slice(1, n).join(' ')}" of this ${n}-gram is not among the ${n - 1}-grams`);
      }
      pending.parents[i] = parent;
      pending.words[i] = ids[n - 1];
      pending.log2Prob[i] = ids[n - 1] === BOS && n === 1 ? -Infinity : prob * LOG2_10;
      pending.log2Backoff[i] = backoff * LOG2_10;
      if (++seen % 65536 === 0) yield { stage: 'arpa', fraction: seen / total, tokens: seen };
    }
    orders.push(n === 1 ? unigramOrder(vocab, pending, N, fail) : sortOrder(orders, pending, vocab.size, n, N, fail));
  }
  do {
    line = take();
    if (line === MORE) line = yield* wait();
  } while (line !== undefined && line.trim() === '');
  if (line?.trim() !== '\\end\\') fail(`expected \\end\\ after the ${N}-grams, got "${(line ?? 'end of file').slice(0, 60)}"`);
  yield { stage: 'arpa', fraction: 1, tokens: seen };
  return new NgramModel(vocab, orders, {
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

/** Unigrams are indexed by token id; specials the file lacks are added (<unk> at −100, as KenLM does). */
function unigramOrder(vocab: Vocab, p: PendingOrder, N: number, fail: (m: string) => never): ModelOrder {
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

function sortOrder(orders: ModelOrder[], p: PendingOrder, vocabSize: number, n: number, N: number, fail: (m: string) => never): ModelOrder {
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
