/**
 * ARPA text export, the format KenLM, SRILM and most n-gram tools read.
 *
 * Values are log10. Each n-gram line is `log10 p(w | h) <TAB> w1 … wn [<TAB> log10 γ(w1 … wn)]`; the
 * backoff appears on n-grams that are contexts of longer ones, and on any other n-gram whose backoff is not 0.
 * `<s>` gets the conventional -99.
 *
 * ARPA separates words by whitespace, so tokens of the code tokenizer (which carry their leading space
 * or newline) are escaped reversibly: `\` → `\\`, space → `\s`, tab → `\t`, newline → `\n`, CR → `\r`,
 * other ASCII whitespace → `\xHH`. Whitespace-tokenizer models are written verbatim, so KenLM reads
 * the same words it would read from the text.
 */
import type { NgramModel } from './model.ts';
import { BOS } from './types.ts';

const LOG10_2 = Math.log10(2);

export function escapeArpaToken(token: string): string {
  return token.replace(/[\\\s]/g, (c) => {
    switch (c) {
      case '\\':
        return '\\\\';
      case ' ':
        return '\\s';
      case '\t':
        return '\\t';
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      default:
        return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    }
  });
}

export function unescapeArpaToken(token: string): string {
  return token.replace(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|.)/g, (_, e: string) => {
    if (e === 's') return ' ';
    if (e === 't') return '\t';
    if (e === 'n') return '\n';
    if (e === 'r') return '\r';
    if (e.length > 1) return String.fromCharCode(parseInt(e.slice(1), 16));
    return e;
  });
}

function format(log2: number): string {
  const v = log2 * LOG10_2;
  return Number.isFinite(v) ? String(Number(v.toPrecision(7))) : '-99';
}

/** The ARPA text of a model, in chunks (a Brown-sized order-5 model is about 100 MB of text). */
export function* arpaChunks(model: NgramModel): Generator<string> {
  const words = model.info.tokenizer === 'code' ? model.vocab.words.map(escapeArpaToken) : model.vocab.words;
  const N = model.order;
  let head = '\\data\\\n';
  model.orders.forEach((o, k) => (head += `ngram ${k + 1}=${o.words.length}\n`));
  yield head;
  for (let n = 1; n <= N; n++) {
    yield `\n\\${n}-grams:\n`;
    let buf: string[] = [];
    const prefix: string[] = [];
    const emit = (k: number, node: number) => {
      const o = model.orders[k];
      const w = words[o.words.get(node)];
      prefix.push(w);
      if (k === n - 1) {
        const isBos = k === 0 && node === BOS;
        let line = `${isBos ? '-99' : format(o.log2Prob[node])}\t${prefix.join(' ')}`;
        // A backoff on every context, and on any n-gram whose backoff is not 0 (a pruned or hand-edited model read
        // from ARPA may keep one on an n-gram that extends nothing; dropping it would change the scores).
        if (k < N - 1 && (o.childStart.get(node + 1) > o.childStart.get(node) || o.log2Backoff[node] !== 0)) line += `\t${format(o.log2Backoff[node])}`;
        buf.push(line);
      } else {
        for (let c = o.childStart.get(node), to = o.childStart.get(node + 1); c < to; c++) emit(k + 1, c);
      }
      prefix.pop();
    };
    for (let w = 0; w < model.orders[0].words.length; w++) {
      emit(0, w);
      if (buf.length >= 8192) {
        yield buf.join('\n') + '\n';
        buf = [];
      }
    }
    if (buf.length) yield buf.join('\n') + '\n';
  }
  yield '\n\\end\\\n';
}

export function toArpa(model: NgramModel): string {
  return [...arpaChunks(model)].join('');
}
