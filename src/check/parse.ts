/**
 * JavaScript and TypeScript judged by a strict parser, and TypeScript made runnable. Loaded only when the code
 * check is opened (the state imports this module dynamically): Babel's parser is about 0.3 MB minified.
 *
 * Why Babel's parser: it rejects what the language rejects and says where (line, column, message), for
 * JavaScript and, with its `typescript` plugin, TypeScript, in one pure-JavaScript package (no WebAssembly, so no
 * change to the page's Content Security Policy). Error-recovering parsers such as tree-sitter accept broken code
 * as trees with ERROR nodes; acorn has no TypeScript; TypeScript's own compiler is 9 MB. Python is judged by
 * CPython's compile() in the sandbox (sandbox/), not here.
 *
 * Running TypeScript needs its types removed: sucrase strips them (it assumes valid input, which is why the
 * parse comes first and only code that parsed is stripped and run).
 */
import { parse } from '@babel/parser';
import { transform } from 'sucrase';

export type ParseOutcome = { ok: true } | { ok: false; line: number; column: number; message: string };

/** Parses a whole program as an ES module; `column` is 1-based like the line. */
export function parseScript(code: string, language: 'javascript' | 'typescript'): ParseOutcome {
  try {
    parse(code, { sourceType: 'module', plugins: language === 'typescript' ? ['typescript'] : [], errorRecovery: false });
    return { ok: true };
  } catch (e) {
    const loc = (e as { loc?: { line: number; column: number } }).loc;
    const message = e instanceof Error ? e.message.replace(/\s*\(\d+:\d+\)$/, '') : String(e);
    return { ok: false, line: loc?.line ?? 1, column: (loc?.column ?? 0) + 1, message };
  }
}

/** TypeScript that parsed, as JavaScript: types, interfaces and type-only imports removed, nothing else changed. */
export function stripTypes(code: string): string {
  return transform(code, { transforms: ['typescript'], disableESTransforms: true }).code;
}
