/**
 * Where the corpora come from, and reading them: a CorpusAccess hands over the manifest and each bundle's bytes
 * (fetch beside the site in the browser, files in Node), and readRecords streams one bundle into records,
 * decompressing and parsing as the bytes arrive.
 */
import { parseBundle, type CorpusRecord } from '../corpus/bundle.ts';
import { checkManifest, type CorporaManifest, type CorpusEntry } from '../corpus/manifest.ts';
import { CodegramError } from '../lm/errors.ts';
import { isGzip } from '../lm/model-file.ts';

/** Where corpora come from. `open` returns the gzip-compressed JSON Lines bytes of one file. */
export interface CorpusAccess {
  manifest(): Promise<CorporaManifest>;
  open(file: string): Promise<ReadableStream<Uint8Array>>;
  /** The records of a corpus read already (prefetched while the page loaded), or undefined: then it is opened. */
  read?(corpus: CorpusEntry): Promise<CorpusRecord[]> | undefined;
}

/** A corpus file being read: the whole of it, or its start as soon as that is in. */
export interface CorpusRead {
  /** Every record, once the whole file is read. */
  all: Promise<CorpusRecord[]>;
  /** The records read so far as soon as `enough` holds of them (tested after each batch), or all of them at the end. */
  until(enough: (records: readonly CorpusRecord[]) => boolean): Promise<CorpusRecord[]>;
}

/**
 * Reads one corpus file batch by batch. After each batch `hold` may return a promise to wait for before reading on:
 * a reader that has what is needed first can step aside (the rest of the file stays unread, the stream's
 * backpressure stops its download and decompression) and read on later; or a pause, so that a worker reading a
 * corpus answers its other messages between batches (bytes already arrived are otherwise read and parsed in one go,
 * each step waiting only for a promise).
 */
export function readInBackground(access: CorpusAccess, corpus: CorpusEntry, hold?: (records: readonly CorpusRecord[]) => Promise<unknown> | undefined): CorpusRead {
  const records: CorpusRecord[] = [];
  const waiting: { enough: (records: readonly CorpusRecord[]) => boolean; resolve: (r: CorpusRecord[]) => void }[] = [];
  let finished = false;
  const answer = (all: boolean) => {
    for (const w of [...waiting]) {
      if (!all && !w.enough(records)) continue;
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(records.slice());
    }
  };
  const all = (async () => {
    for await (const batch of readRecords(await access.open(corpus.file), corpus.file)) {
      for (const r of batch) records.push(r);
      answer(false);
      await hold?.(records);
    }
    finished = true;
    answer(true);
    return records;
  })();
  return {
    all,
    until(enough) {
      if (finished || enough(records)) return Promise.resolve(records.slice());
      return new Promise((resolve, reject) => {
        waiting.push({ enough, resolve });
        all.catch(reject);
      });
    },
  };
}

/** Corpora served next to the site: `<base>manifest.json`, `<base>english.jsonl.gz`, … */
export function fetchAccess(base: string, fetchFn: typeof fetch = fetch): CorpusAccess {
  const get = async (file: string) => {
    const url = new URL(file, base).href;
    let res: Response;
    try {
      res = await fetchFn(url);
    } catch (e) {
      throw new CodegramError('network', `could not fetch ${url}: ${(e as Error).message}`);
    }
    if (!res.ok || !res.body) throw new CodegramError('network', `could not fetch ${url}: HTTP ${res.status}`);
    return res;
  };
  return {
    manifest: async () => checkManifest(await (await get('manifest.json')).json(), new URL('manifest.json', base).href),
    open: async (file) => (await get(file)).body as ReadableStream<Uint8Array>,
  };
}

export type { CorpusRecord };

/** Streams one gzip JSON Lines file into records, decompressing and parsing as the bytes arrive. */
export async function* readRecords(stream: ReadableStream<Uint8Array>, source: string, onBytes?: (compressed: number) => void): AsyncGenerator<CorpusRecord[]> {
  let compressed = 0;
  const counted = stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        compressed += chunk.byteLength;
        onBytes?.(compressed);
        controller.enqueue(chunk);
      },
    }),
  );
  const inflated = await gunzipIfCompressed(counted);
  const text = inflated.pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>);
  const reader = text.getReader();
  let rest = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const chunk = rest + value;
      const cut = chunk.lastIndexOf('\n');
      if (cut < 0) {
        rest = chunk;
        continue;
      }
      rest = chunk.slice(cut + 1);
      yield parseBundle(chunk.slice(0, cut), source);
    }
  } catch (e) {
    if (e instanceof Error && e.message.startsWith(source)) throw new CodegramError('bad-input', e.message);
    throw new CodegramError('bad-input', `${source}: could not decompress or parse (${(e as Error).message})`);
  }
  if (rest.trim() !== '') yield parseBundle(rest, source);
}

/**
 * Decompresses a gzip stream, or passes it through when it is not gzip: some static servers (Vite's
 * preview among them) send `.gz` files with `Content-Encoding: gzip`, so the browser has already inflated them.
 */
async function gunzipIfCompressed(stream: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array>> {
  const reader = stream.getReader();
  const first = await reader.read();
  const replay = new ReadableStream<Uint8Array>({
    start(controller) {
      if (!first.done) controller.enqueue(first.value);
    },
    async pull(controller) {
      const r = await reader.read();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  const gzip = !first.done && isGzip(first.value);
  // The DOM typings declare these transforms over BufferSource; the chunks are Uint8Array here.
  return gzip ? replay.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>) : replay;
}

