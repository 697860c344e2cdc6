/** The one manifest checker (src/corpus/manifest.ts) that the corpus build, the pipeline and the page share. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkManifest, MANIFEST_VERSION } from '../../src/corpus/manifest.ts';

const real = JSON.parse(readFileSync('public/corpora/manifest.json', 'utf8')) as Record<string, unknown>;
const entry = (real.corpora as Record<string, unknown>[])[0];
const withEntry = (patch: Record<string, unknown>) => ({ ...real, corpora: [{ ...entry, ...patch }] });

describe('checkManifest', () => {
  it('accepts the manifest that npm run corpora wrote, as it is', () => {
    const m = checkManifest(real, 'manifest.json');
    expect(m.formatVersion).toBe(MANIFEST_VERSION);
    expect(m.corpora.map((c) => c.id)).toEqual(['english', 'python', 'javascript', 'typescript', 'instructions']);
  });

  it.each([
    ['not an object', [], /manifest.json: not a JSON object/],
    ['another format', { ...real, format: 'something-else' }, /not a Codegram corpus manifest/],
    ['another version', { ...real, formatVersion: MANIFEST_VERSION + 1 }, new RegExp(`manifest version ${MANIFEST_VERSION + 1}, this site reads version ${MANIFEST_VERSION}`)],
    ['no version', { ...real, formatVersion: undefined }, /manifest version undefined/],
    ['no corpora', { ...real, corpora: 'none' }, /no "corpora" list/],
    ['an entry without its hash', withEntry({ sha256: 7 }), /corpora\[0\] has no "sha256"/],
    ['an unknown kind', withEntry({ kind: 'poetry' }), /corpora\[0\] has kind "poetry"/],
    ['an unknown language', withEntry({ language: 'cobol' }), /corpora\[0\] has an unknown id or language/],
    ['a negative count', withEntry({ tokens: -1 }), /corpora\[0\] has no count "tokens"/],
    ['no split', withEntry({ split: null }), /corpora\[0\] lacks "sources" or "split"/],
  ])('refuses %s, naming the file and the field', (_, value, message) => {
    expect(() => checkManifest(value, 'manifest.json')).toThrow(message);
    expect(() => checkManifest(value, 'manifest.json')).toThrow(expect.objectContaining({ code: 'bad-input' }));
  });
});
