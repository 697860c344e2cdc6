/**
 * A few lines that take the code tokenizer through each of its paths (warmTokenizer). V8 optimises the tokenizer
 * with what it has seen so far; a path it has not seen then (a triple-quoted string, a comment at the end of a text,
 * a number with an exponent) throws the optimised code away, and V8 compiles it again, in every worker that
 * tokenizes. Run through them all, it compiles the tokenizer fewer times.
 */
import { tokenize } from './tokenizer.ts';

/** Written for this purpose: English prose, Python, JavaScript and TypeScript, each path of the scanner at least once. */
export const WARMUP_SAMPLES: readonly string[] = [
  `The jury said, "no evidence" -- and the 1960s' case (No. 4.5) ended; it's 3:30 p.m. now!\n` +
    `  Naïve café owners paid $1,000.50 ... or 10% more?\tYes: "quoted 'inner' words" [sic] {and} <more>.\r\n` +
    `Émile's 2nd try @ 10:00 — 50/50 odds & ~ half × more.`,
  `import os\n\ndef read_config(path: str, *args, **kwargs) -> dict:\n    """Read the config.\n\n    Returns a dict."""\n` +
    `    with open(path) as f:  # open it\n        data = f.read()\n    x = 0x1F + 0b1010 + 0o17 + 1_000 + 3.14e-10 + 2j + .5\n` +
    `    s = r'raw\\n' + b"bytes" + f"{x!r:>10}" + u'uni' + rb'both' + '''triple\n single''' + 'it\\'s' + "line \\\n continued"\n` +
    `    if x >= 1 and x != 2 or not x <= 3: x //= 2; x **= 2; x @= m; x := 4\n    return {k: v for k, v in data.items()}\n` +
    `class A(B):\n\t@property\n\tdef f(self): return self.x[1:-1] -> None\n# last comment`,
  `const a = \`template \${b + 1} and \${\`nested\`}\`;\nlet c = a?.b ?? d?.[0] ?? e?.5;\n/* block\n * comment */ function f(x, ...rest) {\n` +
    `  // line comment\n  if (x === 1 && y !== 2 || z >>> 3 >= 4) x >>>= 1; else x <<= 2;\n  x &&= y; x ||= z; x ??= w; x **= 2;\n` +
    `  const re = /ab+c/gi; return x => x * 2 % 3 ^ 4 | 5 & ~6;\n}\n/** doc */ export default { 'k': "v", n: 10n, f: 1.5e+3 };`,
  `interface P<T extends object = {}> { readonly a?: number; b: T[] }\ntype U = A | B & C;\nenum E { X = 1 }\n` +
    `export async function* g(p: P<string>): AsyncGenerator<number> { yield* await h(p as unknown as Q); }\n` +
    `const s = 'unterminated`,
  // Every operator and punctuation the scanner knows, each beside a space, a word and a digit.
  `a === b == c => d = e !== f != !g <<= h << i <= j < k >>>= l >>> m >>= n >> o >= p > q **= r ** s *= t * u //= v // w\n` +
    `x /= y / z ??= a ?? b?.c ?.5 d &&= e && f &= g & h ||= i || j |= k | l++ m += n + o-- p -= q -> r - s %= t % u ^= v ^\n` +
    `w @= x @ ~y z := a :: b : ...c .5 d. e, (f) [g] {h}; \\\\ i # j 'k' "l" \`m\` 1.5.6 0x1e+1 1e-9 10n 0.5j 1_0 9.\n` +
    `=1 ==2 ===3 !4 !=5 <6 <<7 >8 >>9 >>>0 *1 **2 /3 //4 ?5 ??6 &7 &&8 |9 ||0 +1 ++2 -3 --4 ->5 %6 ^7 @8 ~9 :0 ::1 .2 ...3`,
  // Other characters: control characters, non-ASCII symbols and letters, a surrogate pair, lone surrogates.
  `\u0000\u0001 \u00a0x \u00e9t\u00e9 \u00d7 \u2014 \ud83d\ude00 \ud800 a\udc00 \u4e2d\u6587 \u0663\u0664 x\u0301y`,
  `x = "open string at the end`,
  `/* unterminated block comment`,
  `1e`,
];

/** Tokenizes the samples, with and without regions (the two ways jobs and queries call it). */
export function warmTokenizer(): void {
  const regions: number[] = [];
  for (let round = 0; round < 2; round++) {
    for (const text of WARMUP_SAMPLES) {
      tokenize(text);
      regions.length = 0;
      tokenize(text, regions);
    }
  }
}
