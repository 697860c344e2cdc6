/**
 * The command line over src/lm (a stable contract; outside checks call it exactly so):
 *   train --order N [--tokenizer code|whitespace] [--lines] --out MODEL FILE|DIR...
 *   eval  --model MODEL [--json] [--no-accuracy] FILE...
 *   next  --model MODEL --context TEXT [--k K] [--json]
 *   arpa  --model MODEL [--out FILE[.gz]]
 * Training streams its input: files are read one at a time and tokenized into the id stream, so only the
 * current text, the ids and the counts are in memory (README, "Larger corpora"). MODEL may also be an ARPA file (plain or gzip), its words recognised from the file or named with `--tokenizer`.
 * Errors end with one line on stderr and exit code 1, never a stack trace.
 */
import { closeSync, createWriteStream, openSync, readdirSync, readFileSync, writeSync, statSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip, gunzipSync } from 'node:zlib';
import { arpaChunks } from '../lm/arpa.ts';
import { ArpaError, readArpa } from '../lm/arpa-read.ts';
import { type EvalResult, evaluateSums, resultOf, whitespaceSentenceIds } from '../lm/evaluate.ts';
import { deserializeModel, ModelFormatError, modelFileParts, type ReadOptions } from '../lm/format.ts';
import { firstInvalidUtf8, InputError, textBytes } from '../lm/input.ts';
import { NgramModel } from '../lm/model.ts';
import { ARPA_SNIFF_CHARS, arpaTokenizer, isGzip, modelFileKind } from '../lm/model-file.ts';
import { sentencesOf } from '../lm/text.ts';
import { checkOrder, train } from '../lm/train.ts';
import { BOS, DEFAULT_ORDER, type TokenizerName } from '../lm/types.ts';
import { EvalHelper, isEvalHelper, readFileShared, scoreInRuns, serveAsEvalHelper } from './parallel-eval.ts';

class UsageError extends Error {}

const USAGE = `usage:
  cli train --order N [--tokenizer code|whitespace] [--lines] --out MODEL FILE|DIR...
  cli eval  --model MODEL [--json] [--no-accuracy] FILE...
  cli next  --model MODEL --context TEXT [--k K] [--json]
  cli arpa  --model MODEL [--out FILE]     (gzip when FILE ends in .gz; stdout otherwise)
Directories are walked in sorted order (hidden entries skipped); their files that are empty, binary or
not UTF-8 are skipped with a note, while a FILE named on the command line must be text.
MODEL is a Codegram model file or an ARPA file (plain or .gz); for ARPA, --tokenizer says how
its words were made (code for Codegram's escaped code tokens, whitespace for words); by default it is
recognised from the file, as the site does.`;

/** A text file's bytes, checked as text (empty, binary, UTF-8) but not decoded: training and scoring read the bytes. */
function readText(path: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    if (statSync(path).isDirectory()) throw new InputError(`"${path}" is a directory; pass the files in it`);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read "${path}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return textBytes(bytes, path, isUtf8);
}

/** A file's size in bytes, 0 when it cannot be read (reading it says why). */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** A training input: a file named on the command line, or one found by walking a directory. */
interface InputFile {
  path: string;
  /** Named on the command line: it must be text. Files found in a directory that are not are skipped. */
  explicit: boolean;
}

/** Files as given; directories walked depth-first, entries in sorted (code unit) order, hidden ones skipped. */
function inputFiles(paths: readonly string[]): InputFile[] {
  const out: InputFile[] = [];
  const walk = (dir: string) => {
    const names = readdirSync(dir).filter((n) => !n.startsWith('.')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push({ path: p, explicit: false });
    }
  };
  for (const path of paths) {
    let dir: boolean;
    try {
      dir = statSync(path).isDirectory();
    } catch (e) {
      throw new InputError(`cannot read "${path}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    if (dir) walk(path);
    else out.push({ path, explicit: true });
  }
  return out;
}

/** UTF-8 text of a large buffer in 1 MB pieces, so no single string has to hold a whole ARPA file. */
function* utf8Chunks(bytes: Uint8Array, path: string): Generator<string> {
  if (bytes.subarray(0, 1 << 16).indexOf(0) >= 0) throw new InputError(`"${path}" looks binary (NUL byte at offset ${bytes.indexOf(0)})`);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const STEP = 1 << 20;
  for (let at = 0; at < bytes.length; at += STEP) {
    let text: string;
    try {
      text = decoder.decode(bytes.subarray(at, at + STEP), { stream: at + STEP < bytes.length });
    } catch {
      throw new InputError(`"${path}" is not valid UTF-8 (first bad byte at offset ${firstInvalidUtf8(bytes)})`);
    }
    yield text;
  }
}

/**
 * Loads a Codegram model file, or an ARPA file (plain or gzip) written by KenLM, SRILM or Codegram, told apart
 * exactly as the site tells them (lm/model-file.ts). An ARPA file's words are recognised from its text unless
 * `--tokenizer` says how they were made.
 */
function loadModel(path: string | undefined, tokenizer?: string, read: ReadOptions = {}): NgramModel {
  if (!path) throw new UsageError('--model MODEL is required');
  return modelFrom(readModelFile(path), path, tokenizer, read);
}

/** A model file's bytes, unzipped. `shared`: read into a SharedArrayBuffer, for eval's helper thread. */
function readModelFile(path: string, shared = false): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = shared ? readFileShared(path) : readFileSync(path);
  } catch {
    throw new InputError(`cannot read model "${path}"`);
  }
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new InputError(`"${path}": the gzip data is truncated or corrupt (${(e as Error).message})`);
    }
  }
  return bytes;
}

/** The model in a file's bytes (readModelFile), checked. */
function modelFrom(bytes: Uint8Array, path: string, tokenizer?: string, read: ReadOptions = {}): NgramModel {
  const kind = modelFileKind(bytes.subarray(0, 256));
  if (kind === 'arpa') {
    try {
      const sample = new TextDecoder().decode(bytes.subarray(0, ARPA_SNIFF_CHARS));
      const words = arpaTokenizer(tokenizer === undefined ? 'auto' : parseTokenizer(tokenizer), sample);
      // Code tokens carry their newlines, so a code model reads each file as one stream (as it was trained).
      return readArpa(utf8Chunks(bytes, path), { tokenizer: words, lines: words !== 'code', name: path });
    } catch (e) {
      if (e instanceof ArpaError) throw new InputError(e.message);
      throw e;
    }
  }
  if (kind !== 'cgm') throw new InputError(`"${path}" is neither a Codegram model file (.cgm) nor an ARPA text file (.arpa, .arpa.gz)`);
  // A large file is read into a buffer of its own: use it as it is (a copy of a model costs a fresh process time).
  const whole = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength;
  const buffer = whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  try {
    return deserializeModel(buffer, read);
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
  const tokenizer = parseTokenizer(values.tokenizer);
  const files = inputFiles(positionals);
  const skipped: string[] = [];
  let used = 0;
  // One file at a time: its text is tokenized into the id stream and dropped before the next is read.
  function* documents(): Generator<Uint8Array> {
    for (const f of files) {
      let text: Uint8Array;
      try {
        text = readText(f.path);
      } catch (e) {
        if (f.explicit || !(e instanceof InputError)) throw e;
        skipped.push(e.message);
        continue;
      }
      used++;
      yield text;
    }
  }
  const started = performance.now();
  const model = train(documents(), { order, tokenizer, lines: !!values.lines });
  if (skipped.length) process.stderr.write(`skipped ${skipped.length} file${skipped.length > 1 ? 's' : ''} that are not text (first: ${skipped[0]})\n`);
  if (used === 0) throw new InputError(`no text files in ${positionals.map((p) => `"${p}"`).join(', ')}`);
  // Written piece by piece: the arrays as they are, without joining them into a second copy of the model first.
  const parts = modelFileParts(model);
  const fd = openSync(values.out, 'w');
  try {
    for (const part of parts) for (let at = 0; at < part.byteLength; ) at += writeSync(fd, part, at);
  } finally {
    closeSync(fd);
  }
  const written = parts.reduce((sum, p) => sum + p.byteLength, 0);
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(
    `trained order ${order} on ${model.info.trainingTokens} tokens from ${used} file${used > 1 ? 's' : ''} in ${seconds.toFixed(2)} s: ` +
      `${model.ngramCounts.join(' / ')} n-grams, ${model.bytesPerNgram.toFixed(1)} bytes per n-gram, ${written} bytes written to ${values.out}\n`,
  );
}

async function cmdEval(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { model: { type: 'string' }, tokenizer: { type: 'string' }, json: { type: 'boolean' }, 'no-accuracy': { type: 'boolean' } },
  });
  if (positionals.length === 0) throw new UsageError('no evaluation files given');
  if (!values.model) throw new UsageError('--model MODEL is required');
  const accuracy = !values['no-accuracy'];
  // A helper thread for a large text, started first so that it boots while the model is read (cli/parallel-eval.ts).
  const helper = EvalHelper.start(new URL(import.meta.url), positionals.reduce((sum, p) => sum + fileSize(p), 0));
  let r: EvalResult;
  try {
    const started = performance.now();
    const bytes = readModelFile(values.model, helper !== null);
    if (modelFileKind(bytes.subarray(0, 256)) === 'cgm') helper?.checkModel(bytes);
    const texts = positionals.map(readText);
    // Whitespace text is scored by its bytes: such a model's vocabulary is indexed as bytes and never made into strings.
    const read: ReadOptions = { lazyStrings: true };
    let model: NgramModel;
    if (helper?.takesChecks) {
      try {
        // The checksum and the values are the helper's to check; the ranges and the vocabulary's index are checked here.
        model = modelFrom(bytes, values.model, values.tokenizer, { ...read, checksum: false, checkValues: false });
      } catch {
        // Whatever is wrong, worded as a one-thread read words it (the checksum first).
        model = modelFrom(bytes, values.model, values.tokenizer, read);
      }
    } else model = modelFrom(bytes, values.model, values.tokenizer, read);
    const sums =
      model.info.tokenizer === 'whitespace'
        ? (await scoreInRuns(model, whitespaceSentenceIds(model.vocab, texts, model.info.lines, helper?.takesChecks), accuracy, helper)).sums
        : evaluateSums(model, texts, { tokenizer: model.info.tokenizer, lines: model.info.lines, accuracy });
    if (helper?.takesChecks) {
      const refused = await helper.checksError();
      if (refused) throw new InputError(`"${values.model}": ${refused}`);
      // The helper failed before it knew: its checks here (the checksum and the values; the rest passed above).
      if (refused === undefined) modelFrom(bytes, values.model, values.tokenizer, { checkRanges: false, indexVocabulary: false });
    }
    r = resultOf(sums, performance.now() - started);
  } finally {
    helper?.stop();
  }
  if (values.json) {
    process.stdout.write(JSON.stringify(r) + '\n');
  } else {
    process.stdout.write(
      `tokens ${r.tokens}  oov ${r.oov}\nperplexity ${r.perplexity.toFixed(4)}  excluding OOVs ${r.perplexityExclOov.toFixed(4)}\n` +
        `bits per token ${r.bitsPerToken.toFixed(4)}\n` +
        // Without --no-accuracy only: the figures are not computed then (NaN), so the line is left out.
        (accuracy ? `top-1 ${(100 * r.top1).toFixed(2)}%  top-5 ${(100 * r.top5).toFixed(2)}%  MRR ${r.mrr.toFixed(4)}\n` : ''),
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

async function cmdArpa(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { model: { type: 'string' }, tokenizer: { type: 'string' }, out: { type: 'string' } } });
  const model = loadModel(values.model, values.tokenizer);
  if (!values.out) {
    for (const chunk of arpaChunks(model)) process.stdout.write(chunk);
  } else if (values.out.endsWith('.gz')) {
    await pipeline(Readable.from(arpaChunks(model)), createGzip({ level: 6 }), createWriteStream(values.out));
  } else {
    const fd = openSync(values.out, 'w');
    try {
      for (const chunk of arpaChunks(model)) writeSync(fd, chunk);
    } finally {
      closeSync(fd);
    }
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'train':
        cmdTrain(rest);
        break;
      case 'eval':
        await cmdEval(rest);
        break;
      case 'next':
        cmdNext(rest);
        break;
      case 'arpa':
        await cmdArpa(rest);
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

// The same program serves as eval's helper threads (cli/parallel-eval.ts).
if (isEvalHelper()) serveAsEvalHelper();
else void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
