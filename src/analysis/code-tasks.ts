/**
 * The code check's prompts and their tests, written for Codegram and fixed before the first run (changing them
 * after seeing results would tune the benchmark to the models). Each prompt is one comment line in the form of
 * our instruction examples (corpora/instructions/); `seen` says whether that very line is one of them, which
 * test/analysis/code-tasks.test.ts checks against the files. The contrast is the lesson: an n-gram model can
 * write back a function it was shown after the same prompt, and rarely anything it was not shown.
 *
 * A test is an expression and its expected value, both in the task's language; it passes when they are equal
 * (Python ==, JavaScript deep equality of plain data). The tests call `candidate`: the first top-level
 * function the program defines, whatever its name (analysis/code-check.ts entryOf).
 */
import type { CheckLanguage } from './code-check.ts';

export interface CheckTest {
  expr: string;
  expected: string;
}

export interface CodeTask {
  id: string;
  language: CheckLanguage;
  /** The prompt: one comment line and its newline. */
  prompt: string;
  /** Whether the prompt is one of the instruction examples the fine-tuned model was trained on. */
  seen: boolean;
  tests: readonly CheckTest[];
  /**
   * A correct program for a prompt that is not among the instruction examples (for those, the example file is
   * the reference), so that the tests are known to pass on working code.
   */
  reference?: string;
}

const py = (what: string) => `# a Python function that ${what}\n`;
const js = (what: string) => `// a JavaScript function that ${what}\n`;
const ts = (what: string) => `// a TypeScript function that ${what}\n`;
const t = (expr: string, expected: string): CheckTest => ({ expr, expected });

export const CODE_TASKS: readonly CodeTask[] = [
  // ---- Python ----
  {
    id: 'py-factorial',
    language: 'python',
    prompt: py('calculates the factorial of a number'),
    seen: false,
    tests: [t('candidate(0)', '1'), t('candidate(1)', '1'), t('candidate(5)', '120'), t('candidate(10)', '3628800')],
    reference: 'def factorial(n):\n    result = 1\n    for i in range(2, n + 1):\n        result *= i\n    return result\n',
  },
  {
    id: 'py-smallest',
    language: 'python',
    prompt: py('returns the smallest number in a list'),
    seen: false,
    tests: [t('candidate([3, 1, 2])', '1'), t('candidate([5])', '5'), t('candidate([-1, -7, 4])', '-7')],
    reference: 'def smallest(numbers):\n    best = numbers[0]\n    for n in numbers[1:]:\n        if n < best:\n            best = n\n    return best\n',
  },
  {
    id: 'py-is-odd',
    language: 'python',
    prompt: py('checks if a number is odd'),
    seen: false,
    tests: [t('candidate(3)', 'True'), t('candidate(4)', 'False'), t('candidate(0)', 'False'), t('candidate(-5)', 'True')],
    reference: 'def is_odd(n):\n    return n % 2 == 1\n',
  },
  {
    id: 'py-product',
    language: 'python',
    prompt: py('returns the product of a list of numbers'),
    seen: false,
    tests: [t('candidate([1, 2, 3, 4])', '24'), t('candidate([])', '1'), t('candidate([5])', '5')],
    reference: 'def product(numbers):\n    result = 1\n    for n in numbers:\n        result *= n\n    return result\n',
  },
  {
    id: 'py-count-evens',
    language: 'python',
    prompt: py('counts the even numbers in a list'),
    seen: false,
    tests: [t('candidate([1, 2, 3, 4])', '2'), t('candidate([])', '0'), t('candidate([7, 9])', '0')],
    reference: 'def count_evens(numbers):\n    count = 0\n    for n in numbers:\n        if n % 2 == 0:\n            count += 1\n    return count\n',
  },
  {
    id: 'py-fibonacci',
    language: 'python',
    prompt: py('calculates the nth Fibonacci number'),
    seen: true,
    tests: [t('candidate(0)', '0'), t('candidate(1)', '1'), t('candidate(10)', '55'), t('candidate(20)', '6765')],
  },
  {
    id: 'py-is-prime',
    language: 'python',
    prompt: py('checks whether a number is prime'),
    seen: true,
    tests: [t('candidate(1)', 'False'), t('candidate(2)', 'True'), t('candidate(15)', 'False'), t('candidate(97)', 'True')],
  },
  {
    id: 'py-reverse-string',
    language: 'python',
    prompt: py('reverses a string'),
    seen: true,
    tests: [t('candidate("abc")', '"cba"'), t('candidate("")', '""'), t('candidate("level")', '"level"')],
  },
  {
    id: 'py-sum-digits',
    language: 'python',
    prompt: py('returns the sum of the digits of a number'),
    seen: true,
    tests: [t('candidate(0)', '0'), t('candidate(123)', '6'), t('candidate(9045)', '18')],
  },
  {
    id: 'py-count-vowels',
    language: 'python',
    prompt: py('counts the vowels in a string'),
    seen: true,
    tests: [t('candidate("hello")', '2'), t('candidate("xyz")', '0'), t('candidate("AEIOU")', '5')],
  },
  // ---- JavaScript ----
  {
    id: 'js-factorial',
    language: 'javascript',
    prompt: js('calculates the factorial of a number'),
    seen: false,
    tests: [t('candidate(0)', '1'), t('candidate(1)', '1'), t('candidate(5)', '120'), t('candidate(10)', '3628800')],
    reference: 'function factorial(n) {\n  let result = 1;\n  for (let i = 2; i <= n; i++) {\n    result *= i;\n  }\n  return result;\n}\n',
  },
  {
    id: 'js-smallest',
    language: 'javascript',
    prompt: js('returns the smallest number in an array'),
    seen: false,
    tests: [t('candidate([3, 1, 2])', '1'), t('candidate([5])', '5'), t('candidate([-1, -7, 4])', '-7')],
    reference: 'function smallest(numbers) {\n  let best = numbers[0];\n  for (const n of numbers) {\n    if (n < best) best = n;\n  }\n  return best;\n}\n',
  },
  {
    id: 'js-count-vowels',
    language: 'javascript',
    prompt: js('counts the vowels in a string'),
    seen: false,
    tests: [t("candidate('hello')", '2'), t("candidate('xyz')", '0'), t("candidate('AEIOU')", '5')],
    reference: "function countVowels(text) {\n  let count = 0;\n  for (const c of text.toLowerCase()) {\n    if ('aeiou'.includes(c)) count++;\n  }\n  return count;\n}\n",
  },
  {
    id: 'js-fibonacci',
    language: 'javascript',
    prompt: js('calculates the nth Fibonacci number'),
    seen: true,
    tests: [t('candidate(0)', '0'), t('candidate(1)', '1'), t('candidate(10)', '55'), t('candidate(20)', '6765')],
  },
  {
    id: 'js-is-prime',
    language: 'javascript',
    prompt: js('checks whether a number is prime'),
    seen: true,
    tests: [t('candidate(1)', 'false'), t('candidate(2)', 'true'), t('candidate(15)', 'false'), t('candidate(97)', 'true')],
  },
  {
    id: 'js-reverse-string',
    language: 'javascript',
    prompt: js('reverses a string'),
    seen: true,
    tests: [t("candidate('abc')", "'cba'"), t("candidate('')", "''"), t("candidate('level')", "'level'")],
  },
  {
    id: 'js-sum',
    language: 'javascript',
    prompt: js('returns the sum of an array of numbers'),
    seen: true,
    tests: [t('candidate([1, 2, 3])', '6'), t('candidate([])', '0'), t('candidate([-4, 4])', '0')],
  },
  // ---- TypeScript ----
  {
    id: 'ts-factorial',
    language: 'typescript',
    prompt: ts('calculates the factorial of a number'),
    seen: false,
    tests: [t('candidate(0)', '1'), t('candidate(5)', '120'), t('candidate(10)', '3628800')],
    reference: 'function factorial(n: number): number {\n  let result = 1;\n  for (let i = 2; i <= n; i++) {\n    result *= i;\n  }\n  return result;\n}\n',
  },
  {
    id: 'ts-is-odd',
    language: 'typescript',
    prompt: ts('checks if a number is odd'),
    seen: false,
    tests: [t('candidate(3)', 'true'), t('candidate(4)', 'false'), t('candidate(-5)', 'true')],
    reference: 'function isOdd(n: number): boolean {\n  return Math.abs(n % 2) === 1;\n}\n',
  },
  {
    id: 'ts-is-even',
    language: 'typescript',
    prompt: ts('checks if a number is even'),
    seen: true,
    tests: [t('candidate(2)', 'true'), t('candidate(7)', 'false'), t('candidate(0)', 'true')],
  },
  {
    id: 'ts-range',
    language: 'typescript',
    prompt: ts('returns the numbers from start up to end'),
    seen: true,
    tests: [t('candidate(0, 3)', '[0, 1, 2]'), t('candidate(2, 2)', '[]'), t('candidate(-1, 1)', '[-1, 0]')],
  },
];

/** The task the view opens with: the starter snippet's factorial prompt. */
export const DEFAULT_TASK_ID = 'py-factorial';
