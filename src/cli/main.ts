/**
 * The command line over src/lm (a stable contract; outside checks call it exactly so):
 *   train --order N [--tokenizer code|whitespace] [--lines] --out MODEL FILE...
 *   eval  --model MODEL [--json] [--no-accuracy] FILE...
 *   next  --model MODEL --context TEXT [--k K] [--json]
 *   arpa  --model MODEL
 * MODEL may also be an ARPA file (plain or gzip), read with `--tokenizer` (default whitespace).
 * Errors end with one line on stderr and exit code 1, never a stack trace.
 */
import { readFileSync, writeFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { arpaChunks } from '../lm/arpa.ts';
import { ArpaError, readArpa } from '../lm/arpa-read.ts';
import { evaluate } from '../lm/evaluate.ts';
import { deserializeModel, ModelFormatError, serializeModel } from '../lm/format.ts';
import { decodeText, InputError } from '../lm/input.ts';
import { NgramModel } from '../lm/model.ts';
import { sentencesOf } from '../lm/text.ts';
import { checkOrder, train } from '../lm/train.ts';
import { BOS, DEFAULT_ORDER, type TokenizerName } from '../lm/types.ts';

class UsageError extends Error {}

const USAGE = `usage:
  cli train --order N [--tokenizer code|whitespace] [--lines] --out MODEL FILE...
  cli eval  --model MODEL [--json] [--no-accuracy] FILE...
  cli next  --model MODEL --context TEXT [--k K] [--json]
  cli arpa  --model MODEL
MODEL is a Codegram model file or an ARPA file (plain or .gz); for ARPA, --tokenizer says how
its words were made (whitespace by default, code for Codegram's escaped code tokens).`;

function readText(path: string): string {
  let bytes: Uint8Array;
  try {
    if (statSync(path).isDirectory()) throw new InputError(`"${path}" is a directory; pass the files in it`);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read "${path}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return decodeText(bytes, path).text;
}

/** Loads a Codegram model file, or an ARPA file (plain or gzip) written by KenLM, SRILM or Codegram. */
function loadModel(path: string | undefined, tokenizer?: string): NgramModel {
  if (!path) throw new UsageError('--model MODEL is required');
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new InputError(`cannot read model "${path}"`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  if (/^\s*\\data\\/.test(bytes.subarray(0, 256).toString('latin1'))) {
    try {
      return readArpa(decodeText(bytes, path).text, { tokenizer: parseTokenizer(tokenizer, 'whitespace'), name: path });
    } catch (e) {
      if (e instanceof ArpaError) throw new InputError(e.message);
      throw e;
    }
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    return deserializeModel(buffer);
  } catch (e) {
    if (e instanceof ModelFormatError) throw new InputError(`"${path}": ${e.message}`);
    throw e;
  }
}

function parseTokenizer(v: string | undefined, fallback: TokenizerName = 'code'): TokenizerName {
  if (v === undefined || v === 'code' || v === 'whitespace') return v ?? fallback;
  throw new UsageError(`--tokenizer must be code or whitespace, got "${v}"`);
}

function parseInteger(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`${name} must be an integer, got "${v}"`);
  return n;
}

function cmdTrain(args: string[]): void {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { order: { type: 'string' }, tokenizer: { type: 'string' }, lines: { type: 'boolean' }, out: { type: 'string' } },
  });
  if (!values.out) throw new UsageError('--out MODEL is required');
  if (positionals.length === 0) throw new UsageError('no training files given');
  let order: number;
  try {
    order = checkOrder(parseInteger('--order', values.order, DEFAULT_ORDER));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const texts = positionals.map(readText);
  const started = performance.now();
  const model = train(texts, { order, tokenizer: parseTokenizer(values.tokenizer), lines: !!values.lines });
  const buffer = serializeModel(model);
  writeFileSync(values.out, new Uint8Array(buffer));
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(
    `trained order ${order} on ${model.info.trainingTokens} tokens in ${seconds.toFixed(2)} s: ` +
      `${model.ngramCounts.join(' / ')} n-grams, ${model.bytesPerNgram.toFixed(1)} bytes per n-gram, ${buffer.byteLength} bytes written to ${values.out}\n`,
  );
}

function cmdEval(args: string[]): void {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { model: { type: 'string' }, tokenizer: { type: 'string' }, json: { type: 'boolean' }, 'no-accuracy': { type: 'boolean' } },
  });
  const model = loadModel(values.model, values.tokenizer);
  if (positionals.length === 0) throw new UsageError('no evaluation files given');
  const texts = positionals.map(readText);
  const r = evaluate(model, texts, { tokenizer: model.info.tokenizer, lines: model.info.lines, accuracy: !values['no-accuracy'] });
  if (values.json) {
    process.stdout.write(JSON.stringify(r) + '\n');
  } else {
    process.stdout.write(
      `tokens ${r.tokens}  oov ${r.oov}\nperplexity ${r.perplexity.toFixed(4)}  excluding OOVs ${r.perplexityExclOov.toFixed(4)}\n` +
        `bits per token ${r.bitsPerToken.toFixed(4)}\ntop-1 ${(100 * r.top1).toFixed(2)}%  top-5 ${(100 * r.top5).toFixed(2)}%  MRR ${r.mrr.toFixed(4)}\n`,
    );
  }
}

function cmdNext(args: string[]): void {
  const { values } = parseArgs({
    args,
    options: { model: { type: 'string' }, tokenizer: { type: 'string' }, context: { type: 'string' }, k: { type: 'string' }, json: { type: 'boolean' } },
  });
  const model = loadModel(values.model, values.tokenizer);
  if (values.context === undefined) throw new UsageError('--context TEXT is required');
  const k = parseInteger('--k', values.k, 10);
  if (k < 1) throw new UsageError('--k must be at least 1');
  const sentences = sentencesOf(values.context, { tokenizer: model.info.tokenizer, lines: model.info.lines });
  const last = sentences[sentences.length - 1] ?? [];
  const context = [BOS, ...last.map((t) => model.vocab.id(t))];
  const top = model.topK(context.slice(-(model.order - 1)), k);
  if (values.json) {
    process.stdout.write(JSON.stringify(top.map(({ token, prob, log2Prob, orderUsed, count }) => ({ token, prob, log2Prob, orderUsed, count }))) + '\n');
  } else {
    for (const p of top) process.stdout.write(`${(100 * p.prob).toFixed(2).padStart(6)}%  order ${p.orderUsed}  ${JSON.stringify(p.token)}\n`);
  }
}

function cmdArpa(args: string[]): void {
  const { values } = parseArgs({ args, options: { model: { type: 'string' }, tokenizer: { type: 'string' } } });
  const model = loadModel(values.model, values.tokenizer);
  for (const chunk of arpaChunks(model)) process.stdout.write(chunk);
}

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'train':
        cmdTrain(rest);
        break;
      case 'eval':
        cmdEval(rest);
        break;
      case 'next':
        cmdNext(rest);
        break;
      case 'arpa':
        cmdArpa(rest);
        break;
      case undefined:
      case '--help':
      case 'help':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? 1 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) process.stderr.write(`error: ${e.message}\n${USAGE}\n`);
    else if (e instanceof InputError || e instanceof RangeError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`error: ${(e as Error).message}\n`);
    } else process.stderr.write(`error: ${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
