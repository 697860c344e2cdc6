/**
 * Model files in and out of the worker, checked where they enter (no DOM: runs in the worker and in Node).
 *
 * In:  a Blob (the file the user picked) holding a Codegram model file (.cgm), an ARPA file, or either of them
 *      gzip-compressed. Read as a stream: gzip through DecompressionStream, ARPA text decoded chunk by chunk
 *      and fed to the ARPA parser as it arrives, with progress. Every failure is a CodegramError('bad-input')
 *      whose message names the file and the cause; nothing is swapped until a whole model has been read.
 * Out: ARPA text (optionally gzip through CompressionStream) or the binary file, as one ArrayBuffer.
 */
import { arpaChunks } from '../lm/arpa.ts';
import { ArpaError, readArpaAsync } from '../lm/arpa-read.ts';
import { CodegramError } from '../lm/errors.ts';
import { deserializeModel, ModelFormatError, serializeModel } from '../lm/format.ts';
import type { NgramModel } from '../lm/model.ts';
import { ARPA_SNIFF_CHARS, arpaTokenizer, isGzip, MODEL_HEAD_BYTES, modelFileKind, type ArpaWords } from '../lm/model-file.ts';
import type { TokenizerName } from '../lm/types.ts';
import { Scheduler } from '../build/scheduler.ts';
import type { ExportFormat } from './protocol.ts';

export interface LoadProgress {
  fraction: number;
  detail: string;
}

/** The first bytes of a stream, and a stream that still yields every byte. */
async function peek(stream: ReadableStream<Uint8Array>, n: number): Promise<{ head: Uint8Array; reader: ReadableStreamDefaultReader<Uint8Array>; first: Uint8Array[] }> {
  const reader = stream.getReader();
  const first: Uint8Array[] = [];
  let have = 0;
  while (have < n) {
    const r = await reader.read();
    if (r.done) break;
    first.push(r.value);
    have += r.value.length;
  }
  const head = new Uint8Array(Math.min(n, have));
  let at = 0;
  for (const c of first) {
    if (at >= head.length) break;
    head.set(c.subarray(0, head.length - at), at);
    at += Math.min(c.length, head.length - at);
  }
  return { head, reader, first };
}

/** Reads a model file the user picked; `words` says how an ARPA file's words were made. */
export async function readModelFile(file: Blob, name: string, words: ArpaWords, onProgress?: (p: LoadProgress) => void): Promise<{ model: NgramModel; tokenizer: TokenizerName }> {
  if (file.size === 0) throw new CodegramError('bad-input', `"${name}" is empty`);
  const gzip = isGzip(new Uint8Array(await file.slice(0, 2).arrayBuffer()));
  let stream = file.stream();
  if (gzip) stream = stream.pipeThrough(new DecompressionStream('gzip'));
  let bytesIn = 0;
  const corrupt = (e: unknown): never => {
    if (e instanceof CodegramError) throw e;
    if (gzip) throw new CodegramError('bad-input', `"${name}": the gzip data is truncated or corrupt (${(e as Error).message})`);
    throw new CodegramError('bad-input', `"${name}" could not be read: ${(e as Error).message}`);
  };
  let peeked: Awaited<ReturnType<typeof peek>>;
  try {
    peeked = await peek(stream, MODEL_HEAD_BYTES);
  } catch (e) {
    return corrupt(e);
  }
  const { head, reader, first } = peeked;
  const pull = async (): Promise<Uint8Array | null> => {
    const c = first.shift() ?? (await reader.read().catch(corrupt)).value ?? null;
    if (c) bytesIn += c.length;
    return c;
  };

  const kind = modelFileKind(head);
  if (kind === 'cgm') {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let c = await pull(); c; c = await pull()) {
      parts.push(c);
      total += c.length;
      onProgress?.({ fraction: gzip ? 0.5 : Math.min(1, bytesIn / file.size), detail: `reading ${name}` });
    }
    const buffer = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      buffer.set(p, at);
      at += p.length;
    }
    try {
      const model = deserializeModel(buffer.buffer);
      return { model, tokenizer: model.info.tokenizer };
    } catch (e) {
      if (e instanceof ModelFormatError) throw new ModelFormatError(`"${name}": ${e.message}`);
      throw e;
    }
  }

  if (kind === 'binary') throw new CodegramError('bad-input', `"${name}" is neither a Codegram model file (.cgm) nor an ARPA text file (.arpa, .arpa.gz)`);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const decode = (c: Uint8Array | null): string => {
    try {
      return c ? decoder.decode(c, { stream: true }) : decoder.decode();
    } catch {
      throw new CodegramError('bad-input', `"${name}" is not valid UTF-8 text, so not an ARPA file`);
    }
  };
  // Enough text to recognise the words, then the rest as it arrives.
  const ahead: string[] = [];
  let aheadChars = 0;
  let ended = false;
  while (aheadChars < ARPA_SNIFF_CHARS && !ended) {
    const c = await pull();
    ended = c === null;
    const t = decode(c);
    ahead.push(t);
    aheadChars += t.length;
  }
  const tokenizer: TokenizerName = arpaTokenizer(words, ahead.join(''));
  const chunks: AsyncIterator<string> = {
    async next() {
      if (ahead.length) return { done: false, value: ahead.shift()! };
      if (ended) return { done: true, value: undefined };
      const c = await pull();
      ended = c === null;
      return { done: false, value: decode(c) };
    },
  };
  try {
    // Code tokens carry their own newlines: such a model reads a document as one stream, as Codegram trains it.
    const model = await readArpaAsync(
      chunks,
      { tokenizer, lines: tokenizer !== 'code', name: `"${name}"` },
      {
        onProgress: (p) => onProgress?.({ fraction: p.fraction, detail: `reading ${name}: ${p.tokens.toLocaleString('en')} n-grams` }),
        pause: new Scheduler().pause,
      },
    );
    return { model, tokenizer };
  } catch (e) {
    if (e instanceof ArpaError) throw new CodegramError('bad-input', e.message);
    throw e;
  }
}

/** A model as a downloadable file: the binary format, ARPA text, or gzip ARPA. */
export async function modelFileBytes(model: NgramModel, format: ExportFormat): Promise<ArrayBuffer> {
  if (format === 'cgm') return serializeModel(model);
  const encoder = new TextEncoder();
  const chunks = arpaChunks(model);
  const text = new ReadableStream<Uint8Array>({
    pull(controller) {
      const r = chunks.next();
      if (r.done) controller.close();
      else controller.enqueue(encoder.encode(r.value));
    },
  });
  // (TypeScript's DOM types declare the compressor's input as BufferSource, which a Uint8Array stream is.)
  const body = format === 'arpa.gz' ? text.pipeThrough(new CompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>) : text;
  return new Response(body).arrayBuffer();
}
