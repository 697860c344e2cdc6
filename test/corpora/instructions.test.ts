/**
 * Our instruction examples (corpora/instructions/): a stand-in for instruction tuning. Each file is one comment
 * prompt followed by an implementation we wrote. The starter snippet's factorial prompt must not be among them,
 * so a fine-tuned model that answers it with a function generalises from similar prompts instead of recalling it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECIPE } from '../../corpora/recipe.ts';
import { FACTORIAL_PROMPT } from '../../src/editor/snippets.ts';
import { LANGUAGE_PROMPTS } from '../../bench/language-prompts.ts';

const DIR = resolve(import.meta.dirname, '../../corpora/instructions');
const PROMPT = /^(# a Python function that |\/\/ a (JavaScript|TypeScript) function that )(.+)$/;

const examples = readdirSync(DIR, { recursive: true, encoding: 'utf8' })
  .filter((f) => /\.(py|js|ts)$/.test(f))
  .map((f) => ({ file: f, text: readFileSync(join(DIR, f), 'utf8') }));

describe('instruction examples (ours)', () => {
  it('are at least 40 prompts, each followed by a definition in its language', () => {
    expect(examples.length).toBeGreaterThanOrEqual(40);
    for (const { file, text } of examples) {
      const [first, ...rest] = text.split('\n');
      expect(first, file).toMatch(PROMPT);
      const body = rest.join('\n');
      if (file.endsWith('.py')) expect(body, file).toMatch(/^def \w+\(/m);
      else expect(body, file).toMatch(/^function \w+(<\w+>)?\(/m);
    }
  });

  it('cover many different tasks, in Python, JavaScript and TypeScript', () => {
    const tasks = new Set(examples.map((e) => e.text.split('\n')[0].match(PROMPT)![3]));
    expect(tasks.size).toBeGreaterThanOrEqual(40);
    const byExt = (ext: string) => examples.filter((e) => e.file.endsWith(ext)).length;
    expect(byExt('.py')).toBeGreaterThanOrEqual(25);
    expect(byExt('.js')).toBeGreaterThanOrEqual(10);
    expect(byExt('.ts')).toBeGreaterThanOrEqual(3);
  });

  it('do not hold the factorial prompt, nor the word factorial at all (generalisation, not recall)', () => {
    for (const { file, text } of examples) {
      expect(text, file).not.toContain(FACTORIAL_PROMPT.trim());
      expect(text.toLowerCase(), file).not.toContain('factorial');
    }
  });

  it('are a code corpus of their own in the recipe, every file used for training', () => {
    const recipe = RECIPE.find((r) => r.id === 'instructions')!;
    expect(recipe.kind).toBe('code');
    expect(recipe.heldOut).toEqual({ kind: 'none' });
    expect(recipe.sources.map((s) => s.from)).toEqual(['repo']);
  });
});

describe('the language prompts of the benchmark (bench/language-prompts.ts)', () => {
  it('are twenty per language, of the same form, and none of them an instruction example', () => {
    const instructions = new Set(examples.map((e) => e.text.split('\n')[0]));
    for (const [language, prompts] of Object.entries(LANGUAGE_PROMPTS)) {
      expect(prompts.length, language).toBeGreaterThanOrEqual(20);
      expect(new Set(prompts).size).toBe(prompts.length);
      for (const p of prompts) {
        expect(p).toMatch(PROMPT);
        expect(p.toLowerCase()).toContain(language);
        expect(instructions.has(p), p).toBe(false);
      }
    }
  });
});
