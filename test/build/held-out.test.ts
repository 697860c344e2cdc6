/** The held-out split into fit and test parts, and which code model a file trains. */
import { describe, expect, it } from 'vitest';
import { heldOutPart } from '../../src/build/held-out.ts';
import { codeGroupOf } from '../../src/corpus/types.ts';

describe('heldOutPart', () => {
  const paths = Array.from({ length: 400 }, (_, i) => `${['python', 'javascript', 'typescript'][i % 3]}/pkg${i % 17}/file${i}.${['py', 'js', 'ts'][i % 3]}`);

  it('puts every file in exactly one part, the same one every time, about half each', () => {
    const fit = paths.filter((p) => heldOutPart(p) === 'fit');
    const test = paths.filter((p) => heldOutPart(p) === 'test');
    expect(fit.length + test.length).toBe(paths.length);
    expect(fit.filter((p) => test.includes(p))).toEqual([]);
    expect(paths.map(heldOutPart)).toEqual(paths.map(heldOutPart));
    expect(fit.length / paths.length).toBeGreaterThan(0.4);
    expect(fit.length / paths.length).toBeLessThan(0.6);
  });

  it('depends on the path only, not on the other files', () => {
    expect(heldOutPart('python/a.py')).toBe(heldOutPart('python/a.py'));
    expect(new Set(paths.slice(0, 50).map((p) => heldOutPart(p))).size).toBe(2);
  });
});

describe('codeGroupOf', () => {
  it.each([
    ['pkg/a.py', undefined, 'python'],
    ['x.mjs', undefined, 'javascript'],
    ['x.cjs', undefined, 'javascript'],
    ['App.jsx', undefined, 'javascript'],
    ['index.d.ts', undefined, 'typescript'],
    ['a.tsx', undefined, 'typescript'],
    ['a.mts', undefined, 'typescript'],
    ['a.CTS', undefined, 'typescript'],
    ['main.go', undefined, 'other'],
    ['Makefile', undefined, 'other'],
    ['.py', undefined, 'other'],
    ['instructions/reverse.ts', 'instructions', 'typescript'],
    ['instructions/reverse.py', 'instructions', 'python'],
    ['lib/setup.cfg', 'python', 'python'],
  ])('%s (corpus %s) trains the %s model', (path, lang, group) => {
    expect(codeGroupOf(path, lang)).toBe(group);
  });
});
