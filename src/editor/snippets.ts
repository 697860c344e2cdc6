/**
 * Starter texts, written for Codegram, that show the shift fine-tuning causes: prompts in comments,
 * half-written functions, and English for contrast.
 */
import type { Language } from './monaco.ts';

export interface Snippet {
  label: string;
  language: Language;
  text: string;
}

export const FACTORIAL_PROMPT = '# a Python function that calculates the factorial of a number\n';

export const SNIPPETS: Snippet[] = [
  { label: 'Python: the factorial prompt', language: 'python', text: FACTORIAL_PROMPT },
  {
    label: 'Python: a loop over a list',
    language: 'python',
    text: 'def total_length(words):\n    """Return the number of characters in all the words."""\n    total = 0\n    for word in words:\n        total += ',
  },
  { label: 'Python: imports', language: 'python', text: 'import os\nimport sys\n\n\ndef main(argv):\n    if len(argv) < 2:\n        ' },
  {
    label: 'JavaScript: a function',
    language: 'javascript',
    text: '// return the largest number in an array\nfunction largest(values) {\n  let best = values[0];\n  for (let i = 1; i < values.length; i++) {\n    if (',
  },
  { label: 'JavaScript: a promise', language: 'javascript', text: 'export async function load(url) {\n  const response = await fetch(url);\n  if (!response.ok) {\n    throw new ' },
  { label: 'TypeScript: an interface', language: 'typescript', text: 'export interface Options {\n  name: string;\n  verbose?: boolean;\n}\n\nexport function parse(input: string, options: Options): ' },
  { label: 'English: a sentence', language: 'plaintext', text: 'The committee said that the new school would be ' },
];
