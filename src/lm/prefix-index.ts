/**
 * A vocabulary's tokens by their text, for prefix search (the half-typed word under the cursor: the suggestion list,
 * the ghost's token healing). The tokens are grouped by their first two UTF-16 code units, the groups put in order
 * by one native sort of numbers; a group is sorted by text only when a prefix of three or more units first falls in
 * it. A prefix's tokens are then a run of adjacent groups (one or two units) or a run within one group.
 *
 * Why not sort the whole vocabulary by text at once, as before: that comparator sort took 35–40 ms per vocabulary
 * (53 K tokens, a fresh process) and ran on the first completion of new models, in the model worker, twice per
 * vocabulary (the top-k search and the few-matches path each kept a sorted copy); the page's first ghost waited for
 * it. One code unit is not enough to group by: most of a code vocabulary's tokens start with a space.
 */
import type { TokenId } from './types.ts';
import type { Vocab } from './vocab.ts';

/** Each vocabulary's index (PrefixIndex.of), made again when the vocabulary has grown since. */
const made = new WeakMap<Vocab, PrefixIndex>();

/**
 * A token's group: its first two UTF-16 code units (or its only one). Groups ordered by this number are in the
 * order of their tokens' text: "" < "a" < "a\u0000…" < … < "a\uffff…" < "b".
 */
function groupOf(word: string): number {
  if (word.length === 0) return 0;
  const first = word.charCodeAt(0) * 0x10001;
  return word.length === 1 ? first + 1 : first + word.charCodeAt(1) + 2;
}

/** Room for the ids beside a group number (below 2^32 + 2^17) in a double's 53 bits. */
const ID_ROOM = 2 ** 20;

export class PrefixIndex {
  /** The vocabulary's size when indexed. */
  readonly size: number;
  private readonly words: readonly string[];
  /** Token ids by group, the groups in the order of their numbers. */
  private readonly ids: Int32Array;
  /** The groups' numbers, ascending, and where each starts in `ids` (one more entry: the end). */
  private readonly groups: Float64Array;
  private readonly starts: Int32Array;
  /** Whether a group's ids are sorted by their text yet (done when a prefix of three or more units needs it). */
  private readonly sorted: Uint8Array;

  static of(vocab: Vocab): PrefixIndex {
    let index = made.get(vocab);
    if (!index || index.size !== vocab.size) {
      index = new PrefixIndex(vocab.words);
      made.set(vocab, index);
    }
    return index;
  }

  /** `packUpTo`: the most tokens sorted as packed numbers (more are sorted with a comparator); tests lower it. */
  constructor(words: readonly string[], packUpTo = ID_ROOM) {
    this.words = words;
    this.size = words.length;
    const n = words.length;
    const ids = new Int32Array(n);
    const groups: number[] = [];
    const starts: number[] = [];
    if (n <= Math.min(packUpTo, ID_ROOM)) {
      // Group and id packed in one double, sorted natively (no comparator calls), then unpacked in one pass.
      const keys = new Float64Array(n);
      for (let id = 0; id < n; id++) keys[id] = groupOf(words[id]) * ID_ROOM + id;
      keys.sort();
      for (let i = 0, last = -1; i < n; i++) {
        const group = Math.floor(keys[i] / ID_ROOM);
        ids[i] = keys[i] - group * ID_ROOM;
        if (group !== last) {
          groups.push(group);
          starts.push(i);
          last = group;
        }
      }
    } else {
      const groupOfId = Float64Array.from(words, groupOf);
      const order = Array.from({ length: n }, (_, id) => id).sort((a, b) => groupOfId[a] - groupOfId[b] || a - b);
      for (let i = 0, last = -1; i < n; i++) {
        ids[i] = order[i];
        if (groupOfId[order[i]] !== last) {
          groups.push(groupOfId[order[i]]);
          starts.push(i);
          last = groupOfId[order[i]];
        }
      }
    }
    starts.push(n);
    this.ids = ids;
    this.groups = Float64Array.from(groups);
    this.starts = Int32Array.from(starts);
    this.sorted = new Uint8Array(groups.length);
  }

  /** The ids of the tokens that start with `prefix`, as `ids.subarray(from, to)` of the returned array, in no particular order. */
  range(prefix: string): { ids: Int32Array; from: number; to: number } {
    const ids = this.ids;
    if (prefix === '') return { ids, from: 0, to: ids.length };
    if (prefix.length === 1) {
      // Every token of the groups "c" and "c…" starts with c, and those groups are adjacent.
      const first = prefix.charCodeAt(0) * 0x10001;
      return { ids, from: this.starts[this.firstGroupFrom(first + 1)], to: this.starts[this.firstGroupFrom(first + 0x10001)] };
    }
    const group = groupOf(prefix);
    const g = this.firstGroupFrom(group);
    if (g === this.groups.length || this.groups[g] !== group) return { ids, from: 0, to: 0 };
    const start = this.starts[g];
    const end = this.starts[g + 1];
    if (prefix.length === 2) return { ids, from: start, to: end };
    const words = this.words;
    if (!this.sorted[g]) {
      ids.subarray(start, end).sort((a, b) => (words[a] < words[b] ? -1 : words[a] > words[b] ? 1 : 0));
      this.sorted[g] = 1;
    }
    let from = start;
    let hi = end;
    while (from < hi) {
      const mid = (from + hi) >>> 1;
      if (words[ids[mid]] < prefix) from = mid + 1;
      else hi = mid;
    }
    let to = from;
    while (to < end && words[ids[to]].startsWith(prefix)) to++;
    return { ids, from, to };
  }

  /** `range` as a list of ids. */
  idsWith(prefix: string): TokenId[] {
    const { ids, from, to } = this.range(prefix);
    return Array.from(ids.subarray(from, to));
  }

  /** The first group whose number is at least `group` (the number of groups when none is). */
  private firstGroupFrom(group: number): number {
    let lo = 0;
    let hi = this.groups.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.groups[mid] < group) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
