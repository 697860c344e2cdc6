/**
 * Direct lookup of the bigrams that follow the model's widest contexts: scoring's shortcut past its costliest
 * binary searches.
 *
 * Scoring a token searches the children of each context suffix (model.ts `childIndex`). The one-word contexts are
 * the wide ones: in a Brown order-5 model a bigram search after a frequent word ("the", ",", "of") looks among
 * thousands of children, and those searches were three quarters of all the probes of scoring 1.21 M tokens (the
 * first word's children average 2,309, the longer contexts' 202, 11 and 3). For the handful of words with the most
 * children this keeps a row over the whole vocabulary: one read gives the child's offset. A word gets a row when it
 * has at least max(1,024, V/32) children, so a row costs at most 64 bytes per child it indexes: for Brown's order-5
 * model (V = 53,394) 19 words, 2.2 MB beside the model's 34 MB, answering 32 % of the bigram searches, each of which
 * took 11 to 14 probes. Scoring 1.21 M tokens in a fresh process went from about 250 to 220 ms (bench/cli.ts).
 *
 * Built from the packed arrays when first used (one pass over the chosen children) and never written back to a
 * model file; the answers are exactly the binary search's (tested).
 */
import type { PackedUints } from './packed.ts';

/** A context gets a row when it has at least this many children, and at least V/ROW_SPAN (a row is 2 V bytes). */
const MIN_CHILDREN = 1024;
const ROW_SPAN = 32;
/** At most this many rows (for Brown 107 KB each). */
const MAX_ROWS = 64;
/** Offsets are held as offset + 1 in 16 bits: a context with more children keeps its binary search. */
const MAX_CHILDREN = 0xffff - 1;

export class WideBigrams {
  /** Row of each unigram's table, or −1 (most words: searched as before). */
  private readonly rowOf: Int32Array;
  /** Index in the bigram order of each row's first child. */
  private readonly rowStart: Int32Array;
  /** Row r, word w at r·V + w: 1 + w's offset among the row's children, or 0 when (context, w) is no bigram. */
  private readonly cells: Uint16Array;
  private readonly vocabSize: number;

  private constructor(rowOf: Int32Array, rowStart: Int32Array, cells: Uint16Array, vocabSize: number) {
    this.rowOf = rowOf;
    this.rowStart = rowStart;
    this.cells = cells;
    this.vocabSize = vocabSize;
  }

  /**
   * Rows for the widest one-word contexts, or null when no context is wide enough. `starts`: the unigrams' child
   * offsets (V + 1 of them); `words`: the bigrams' last words (model.ts `ModelOrder`).
   */
  static build(starts: PackedUints, words: PackedUints): WideBigrams | null {
    const V = starts.length - 1;
    if (V <= 0) return null;
    const minChildren = Math.max(MIN_CHILDREN, Math.ceil(V / ROW_SPAN));
    const wide: { node: number; from: number; to: number }[] = [];
    let from = starts.get(0);
    for (let node = 0; node < V; node++) {
      const to = starts.get(node + 1);
      if (to - from >= minChildren && to - from <= MAX_CHILDREN) wide.push({ node, from, to });
      from = to;
    }
    if (wide.length === 0) return null;
    wide.sort((a, b) => b.to - b.from - (a.to - a.from) || a.node - b.node);
    wide.length = Math.min(wide.length, MAX_ROWS);
    const rowOf = new Int32Array(V).fill(-1);
    const rowStart = new Int32Array(wide.length);
    const cells = new Uint16Array(wide.length * V);
    wide.forEach(({ node, from, to }, r) => {
      rowOf[node] = r;
      rowStart[r] = from;
      const row = r * V;
      for (let j = from; j < to; j++) cells[row + words.get(j)] = j - from + 1;
    });
    return new WideBigrams(rowOf, rowStart, cells, V);
  }

  /** Whether unigram `node`'s children are in a row (then `child` answers for it). */
  has(node: number): boolean {
    return this.rowOf[node] >= 0;
  }

  /** Index of bigram (node, word) given `has(node)`, or −1 when it is not one. */
  child(node: number, word: number): number {
    const r = this.rowOf[node];
    const cell = this.cells[r * this.vocabSize + word];
    return cell === 0 ? -1 : this.rowStart[r] + cell - 1;
  }

  /** Bytes held. */
  get byteLength(): number {
    return this.rowOf.byteLength + this.rowStart.byteLength + this.cells.byteLength;
  }
}
