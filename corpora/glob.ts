/**
 * Minimal glob matching for the corpus recipe, on '/'-separated relative paths:
 *   `**` any number of path segments (`a/**` matches everything under a/, `**\/x.js` any x.js),
 *   `*` any run of characters within a segment, `?` one character, `[a-r]` a character class.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?'; // `**/` : zero or more whole segments
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) throw new Error(`glob ${JSON.stringify(glob)}: unclosed [`);
      re += glob.slice(i, end + 1);
      i = end;
    } else {
      re += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

export function matchesAny(path: string, globs: readonly string[]): boolean {
  return globs.some((g) => globToRegExp(g).test(path));
}
