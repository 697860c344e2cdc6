/** The operators of the code tokenizer's contract (src/lm/tokenizer.ts), longest first: for its tests and its warm-up's. */
export const OPERATORS: readonly string[] = [
  '>>>=', '===', '!==', '**=', '//=', '>>>', '>>=', '<<=', '??=', '&&=', '||=', '...',
  '==', '!=', '<=', '>=', '=>', '->', '**', '>>', '<<', '&&', '||', '??', '?.', '++', '--',
  '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', ':=', '::', '@=',
  '=', '!', '<', '>', '*', '/', '?', '&', '|', '+', '-', '%', '^', '@', '~',
];
