/**
 * Model files through the worker protocol, in Node: export as ARPA (plain, gzip) and binary, load them back as
 * the base or the code model, and refuse wrong, truncated and corrupt files with a typed error while the current
 * models keep answering exactly as before.
 */
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { FORMAT_VERSION } from '../../src/lm/format.ts';
import { DEFAULT_BUILD_SETTINGS } from '../../src/build/settings.ts';
import { looksLikeCodeTokens, type ArpaWords } from '../../src/lm/model-file.ts';
import type { ExportFormat, Reply, Request } from '../../src/worker/protocol.ts';
import { ModelService } from '../../src/worker/service.ts';
import { call, memoryAccess, smallRecords } from './helpers.ts';
import { HAND_ARPA } from '../fixtures/hand-arpa.ts';

let ids = 100;
const last = (rs: Reply[]) => rs[rs.length - 1];

async function exported(service: ModelService, model: 'base' | 'code', format: ExportFormat): Promise<{ data: Uint8Array; filename: string }> {
  const r = last(await call(service, { type: 'export', id: ids++, model, format }));
  if (r.type !== 'exported') throw new Error(`expected exported, got ${JSON.stringify(r)}`);
  return { data: new Uint8Array(r.data), filename: r.filename };
}

function load(service: ModelService, data: Uint8Array | string, name: string, role: 'base' | 'code', words: ArpaWords = 'auto'): Promise<Reply[]> {
  return call(service, { type: 'load', id: ids++, role, file: new Blob([data as BlobPart]), name, words });
}

async function predictions(service: ModelService, text = 'def add(a, b):\n    return') {
  const r = last(await call(service, { type: 'next', id: ids++, text, k: 5 }));
  if (r.type !== 'predictions') throw new Error(`expected predictions, got ${JSON.stringify(r)}`);
  return r.predictions;
}

let service: ModelService;
beforeAll(async () => {
  service = new ModelService({ access: () => memoryAccess(smallRecords(12)) });
  expect(last(await call(service, { type: 'build', id: 1, settings: { ...DEFAULT_BUILD_SETTINGS, order: 3 }, corporaUrl: '', useCache: false })).type).toBe('built');
});

describe('model files through the worker', () => {
  it('exports ARPA, gzip ARPA and the binary file', async () => {
    const arpa = await exported(service, 'base', 'arpa');
    expect(arpa.filename).toBe('codegram-base-3gram.arpa');
    expect(new TextDecoder().decode(arpa.data)).toMatch(/^\\data\\\nngram 1=\d+\nngram 2=\d+\nngram 3=\d+\n/);
    const gz = await exported(service, 'base', 'arpa.gz');
    expect(gz.filename).toBe('codegram-base-3gram.arpa.gz');
    expect([gz.data[0], gz.data[1]]).toEqual([0x1f, 0x8b]);
    const cgm = await exported(service, 'code', 'cgm');
    expect(new TextDecoder().decode(cgm.data.subarray(0, 8))).toBe('CODEGRAM');
    // Codegram's code tokens are recognised in its own export; plain words are not taken for them.
    expect(looksLikeCodeTokens(new TextDecoder().decode(arpa.data))).toBe(true);
    expect(looksLikeCodeTokens('\\1-grams:\n-1.2\tthe\t-0.3\n-2\tcat\n')).toBe(false);
  });

  it.each(['arpa', 'arpa.gz', 'cgm'] as const)('loads its own %s export as the base model and answers as before', async (format) => {
    const before = await predictions(service);
    const file = await exported(service, 'base', format);
    const replies = await load(service, file.data, file.filename, 'base');
    const r = last(replies);
    expect(r.type).toBe('loaded');
    if (r.type !== 'loaded') return;
    expect(r.tokenizer).toBe('code');
    expect(replies.some((x) => x.type === 'progress' && x.stage === 'load')).toBe(true);
    const after = await predictions(service);
    expect(after.base.map((p) => p.token)).toEqual(before.base.map((p) => p.token));
    // ARPA keeps 7 significant digits of log10 p; the binary file is exact.
    after.base.forEach((p, i) => expect(p.log2Prob).toBeCloseTo(before.base[i].log2Prob, format === 'cgm' ? 9 : 5));
  });

  it('loads a hand-written ARPA file as the code model: the fine-tuned answers follow its probabilities', async () => {
    // After "return", the token " zebra" (escaped \szebra) has p = 0.9 in this bigram model.
    const hand = HAND_ARPA;
    const mixed = last(await call(service, { type: 'mix', id: ids++, mix: { lambda: null, dataFraction: 1, cacheWeight: 0.1 } }));
    if (mixed.type !== 'mixed') throw new Error(JSON.stringify(mixed));
    const r = last(await load(service, hand, 'hand.arpa', 'code'));
    expect(r.type).toBe('loaded');
    if (r.type !== 'loaded') return;
    expect(r.tokenizer).toBe('code');
    expect(r.ready.fractions.map((f) => f.fraction)).toEqual([1]);
    expect(r.ready.fractions[0].model.ngrams).toEqual([5, 2]);
    // λ is kept, not refitted: the mix still says what the code model gets.
    const lambda = r.ready.mix.lambda;
    expect(lambda).toBe(mixed.mix.fittedLambda);
    expect(r.ready.fractions[0].fittedLambda).toBe(mixed.mix.fittedLambda);
    const p = await predictions(service, 'x = 1\nreturn');
    const zebra = p.compare.find((c) => c.token === ' zebra');
    expect(zebra).toBeDefined();
    // Fine-tuned: λ·0.9 from the code model plus the base model's share of an unseen token (positive, tiny).
    const pFt = 2 ** zebra!.finetuned.log2Prob;
    const mu = r.ready.mix.cacheWeight;
    expect(pFt).toBeGreaterThanOrEqual((1 - mu) * lambda * 0.9 - 1e-9);
    expect(p.finetuned[0].token).toBe(' zebra');
  });

  const good = async () => (await exported(service, 'base', 'cgm')).data;
  const cases: [string, () => Promise<Uint8Array | string>, RegExp][] = [
    ['an empty file', async () => '', /"bad" is empty/],
    ['a file of another kind', async () => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 1, 2]), /neither a Codegram model file \(\.cgm\) nor an ARPA text file/],
    ['text that is not ARPA', async () => 'hello world\n', /"bad" is not an ARPA file: no \\data\\ line/],
    ['a truncated ARPA file', async () => '\\data\\\nngram 1=3\n\n\\1-grams:\n-1\t<unk>\n-99\t<s>\n', /"bad", line 6: file ends after 2 of the 3 1-grams it declares/],
    ['an ARPA file with a bad probability', async () => '\\data\\\nngram 1=2\n\n\\1-grams:\n-1\t<unk>\nx\t<s>\n\n\\end\\\n', /line 6: probability "x" is not a log10 probability/],
    ['a truncated gzip file', async () => gzipSync('\\data\\\nngram 1=2\n\n\\1-grams:\n-1\t<unk>\n-99\t<s>\n\n\\end\\\n'.repeat(50)).subarray(0, 40), /"bad": the gzip data is truncated or corrupt/],
    [
      'a binary model of another version',
      async () => {
        const b = (await good()).slice();
        new DataView(b.buffer).setUint32(8, FORMAT_VERSION + 1, true);
        return b;
      },
      new RegExp(`format version ${FORMAT_VERSION + 1}; this Codegram reads version ${FORMAT_VERSION}`),
    ],
    ['a truncated binary model', async () => (await good()).slice(0, 1000), /"bad": model file is truncated or padded/],
    [
      'a corrupt binary model',
      async () => {
        const b = (await good()).slice();
        b[b.length - 5] ^= 0xff;
        return b;
      },
      /"bad": model file is corrupt: checksum mismatch/,
    ],
  ];
  it.each(cases)('refuses %s with a typed error and keeps the current models', async (_, data, message) => {
    const before = await predictions(service);
    const r = last(await load(service, await data(), 'bad', 'base'));
    expect(r.type).toBe('error');
    if (r.type !== 'error') return;
    expect(r.code).toBe('bad-input');
    expect(r.message).toMatch(message);
    expect(await predictions(service)).toEqual(before);
  });

  it('says when an ARPA file is read as whitespace-separated words', async () => {
    const words = '\\data\\\nngram 1=4\n\n\\1-grams:\n-1\t<unk>\n-99\t<s>\n-0.5\t</s>\n-0.3\tthe\n\n\\end\\\n';
    const replies = await load(service, words, 'words.arpa', 'base', 'whitespace');
    expect(last(replies).type).toBe('loaded');
    expect(replies.filter((x) => x.type === 'notice').map((x) => (x as { message: string }).message).join()).toMatch(/whitespace-separated words/);
  });
});
