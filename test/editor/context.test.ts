import { describe, expect, it } from 'vitest';
import { completionContext, displayToken } from '../../src/editor/context.ts';

describe('completionContext', () => {
  it('takes a half-typed word, with its folded space, as the prefix', () => {
    expect(completionContext('def fact')).toEqual({ context: 'def', prefix: ' fact' });
    expect(completionContext('x = foo')).toEqual({ context: 'x =', prefix: ' foo' });
    expect(completionContext('print')).toEqual({ context: '', prefix: 'print' });
  });

  it('takes a just-typed space as the prefix of the next token', () => {
    expect(completionContext('return ')).toEqual({ context: 'return', prefix: ' ' });
  });

  it('has no prefix after punctuation, operators and newlines', () => {
    expect(completionContext('f(')).toEqual({ context: 'f(', prefix: '' });
    expect(completionContext('a ==')).toEqual({ context: 'a ==', prefix: '' });
    expect(completionContext('if x:\n    ')).toEqual({ context: 'if x:\n    ', prefix: '' });
    expect(completionContext('')).toEqual({ context: '', prefix: '' });
  });
});

describe('displayToken', () => {
  it('marks a folded space and makes newlines and runs of spaces visible', () => {
    expect(displayToken(' return')).toEqual({ lead: true, text: 'return' });
    expect(displayToken('\n    ')).toEqual({ lead: false, text: '↵····' });
    expect(displayToken('\n\t')).toEqual({ lead: false, text: '↵⇥' });
    expect(displayToken('  ')).toEqual({ lead: false, text: '··' });
    expect(displayToken('(')).toEqual({ lead: false, text: '(' });
  });
});
