import { describe, expect, it } from 'vitest';
import { render } from 'svelte/server';
import CorpusManager from '../../src/components/CorpusManager.svelte';
import { readUpload } from '../../src/corpus/upload.ts';

const enc = (s: string) => new TextEncoder().encode(s);

/** Server-rendered markup: enough to check the names outside checks rely on, and that user text is escaped. */
describe('CorpusManager markup', () => {
  const evil = readUpload([{ name: '<img src=x onerror=alert(1)>.py', bytes: enc('x = 1\n') }], 'code').corpus!;
  const { body } = render(CorpusManager, {
    props: {
      corpora: [evil],
      useDefaults: { general: true, code: false },
      defaults: [
        { kind: 'general', label: 'English (Brown)', files: 500, bytes: 5_976_274, tokens: 1_236_398 },
        { kind: 'code', label: 'Python', files: 40, bytes: 1_000_000, tokens: 250_000 },
      ],
      busy: false,
      onchange: () => {},
      onmessage: () => {},
    },
  });

  it('has the stable accessible names', () => {
    expect(body).toMatch(/<input[^>]*type="file"[^>]*multiple[^>]*aria-label="Upload corpus"/);
    const legend = body.match(/<legend id="([^"]+)"[^>]*>Corpus kind<\/legend>\s*<div role="radiogroup" aria-labelledby="([^"]+)"/);
    expect(legend?.[1]).toBe(legend?.[2]);
    expect(body).toMatch(/<input type="radio"[^>]*value="general"[^>]*\/>General<\/label>/);
    expect(body).toMatch(/<input type="radio"[^>]*value="code"[^>]*checked[^>]*\/>Code<\/label>/);
    expect(body).toMatch(/<ul aria-label="Corpora"/);
    expect(body).toMatch(/<button type="button" class="remove[^"]*" aria-label="Remove &lt;img src=x onerror=alert\(1\)>\.py">Remove<\/button>/);
    expect(body).toContain('Reset to the defaults');
    expect(body).toContain('English (Brown)');
    expect(body).toContain('500 files · 6.0 MB · 1,236,398 tokens');
    expect(body).toContain('Code · default (replaced, not used)');
  });

  it('shows file names as text, never as markup', () => {
    expect(body).not.toContain('<img');
    expect(body).toContain('&lt;img src=x onerror=alert(1)>.py');
    expect(body).toContain('aria-label="Remove &lt;img src=x onerror=alert(1)>.py"');
  });
});
