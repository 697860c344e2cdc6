/**
 * Held-out split rules. Both split by whole file, so no held-out sentence has a near copy in training.
 */

/**
 * Brown: a file is held out when its number ends in 5 (ca05, ca15, …, cr05). Every genre has at least five
 * files, so every genre contributes: 52 of 500 files, about 10% of the text.
 */
export function isBrownHeldOut(name: string): boolean {
  return /^c[a-r]\d5$/.test(name.slice(name.lastIndexOf('/') + 1));
}

export interface SizedFile {
  path: string;
  bytes: number;
}

/**
 * Code: orders the files by a hash of their path (`hashOf` returns hex, e.g. sha256; injected so this module
 * stays free of Node and of async WebCrypto) and walks that order, taking every file that still fits under
 * `fraction` of all bytes. A file that would overshoot is skipped, not taken, so the share lands just under
 * the target rather than up to one large file over it. Ties in the hash (never seen) fall back to the path.
 *
 * Returns the held-out paths, sorted.
 */
export function selectHeldOut(
  files: readonly SizedFile[],
  hashOf: (path: string) => string,
  fraction = 0.1,
): string[] {
  const total = files.reduce((sum, f) => sum + f.bytes, 0);
  const target = total * fraction;
  const keyed = files.map((f) => ({ ...f, key: hashOf(f.path) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const chosen: string[] = [];
  let taken = 0;
  for (const f of keyed) {
    if (taken + f.bytes > target) continue;
    chosen.push(f.path);
    taken += f.bytes;
  }
  return chosen.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
