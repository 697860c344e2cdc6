/**
 * Comment prompts that ask for a function, twenty per language, written for Codegram before anything was tuned on
 * them, and none of them among the instruction examples (corpora/instructions/; test/corpora/instructions.test.ts
 * checks that). bench/prompts.ts asks each model for its ghost text after each prompt.
 */
export const LANGUAGE_PROMPTS: Record<'python' | 'javascript' | 'typescript', string[]> = {
  python: [
    '# a Python function that returns the smallest number in a list',
    '# a Python function that counts the lines of a file',
    '# a Python function that converts miles to kilometres',
    '# a Python function that checks whether a list is sorted',
    '# a Python function that returns the last element of a list',
    '# a Python function that joins a list of words with commas',
    '# a Python function that calculates the median of a list of numbers',
    '# a Python function that removes the spaces from a string',
    '# a Python function that counts the uppercase letters in a string',
    '# a Python function that returns the product of a list of numbers',
    '# a Python function that checks whether two strings are anagrams',
    '# a Python function that rotates a list by one position',
    '# a Python function that converts a list of strings to integers',
    '# a Python function that returns the keys of a dictionary sorted by value',
    '# a Python function that calculates the distance between two points',
    '# a Python function that checks whether a number is a perfect square',
    '# a Python function that doubles every number in a list',
    '# a Python function that finds the longest word in a sentence',
    '# a Python function that computes the cube of a number',
    '# a Python function that returns the first n even numbers',
  ],
  javascript: [
    '// a JavaScript function that returns the smallest number in an array',
    '// a JavaScript function that converts miles to kilometres',
    '// a JavaScript function that checks whether an array is sorted',
    '// a JavaScript function that returns the last element of an array',
    '// a JavaScript function that joins an array of words with commas',
    '// a JavaScript function that calculates the median of an array of numbers',
    '// a JavaScript function that removes the spaces from a string',
    '// a JavaScript function that counts the uppercase letters in a string',
    '// a JavaScript function that returns the product of an array of numbers',
    '// a JavaScript function that checks whether two strings are anagrams',
    '// a JavaScript function that shuffles an array',
    '// a JavaScript function that converts an array of strings to numbers',
    '// a JavaScript function that counts the keys of an object',
    '// a JavaScript function that calculates the distance between two points',
    '// a JavaScript function that checks whether a number is a perfect square',
    '// a JavaScript function that doubles every number in an array',
    '// a JavaScript function that finds the longest word in a sentence',
    '// a JavaScript function that computes the cube of a number',
    '// a JavaScript function that returns the first n even numbers',
    '// a JavaScript function that converts a string to title case',
  ],
  typescript: [
    '// a TypeScript function that returns the smallest number in an array',
    '// a TypeScript function that converts miles to kilometres',
    '// a TypeScript function that checks whether an array is sorted',
    '// a TypeScript function that returns the last element of an array',
    '// a TypeScript function that joins an array of words with commas',
    '// a TypeScript function that calculates the median of an array of numbers',
    '// a TypeScript function that removes the spaces from a string',
    '// a TypeScript function that counts the uppercase letters in a string',
    '// a TypeScript function that returns the product of an array of numbers',
    '// a TypeScript function that checks whether two strings are anagrams',
    '// a TypeScript function that reverses an array without changing it',
    '// a TypeScript function that converts an array of strings to numbers',
    '// a TypeScript function that counts the keys of an object',
    '// a TypeScript function that calculates the distance between two points',
    '// a TypeScript function that checks whether a number is a perfect square',
    '// a TypeScript function that doubles every number in an array',
    '// a TypeScript function that finds the longest word in a sentence',
    '// a TypeScript function that computes the cube of a number',
    '// a TypeScript function that returns the first n even numbers',
    '// a TypeScript function that picks the given keys of an object',
  ],
};

/**
 * What a ghost must start with to start a function of the language (leading spaces aside). The ghost may end
 * after its first word when the model is unsure of the name (analysis/completion.ts), so the keyword suffices.
 */
export const STARTS_A_FUNCTION: Record<'python' | 'javascript' | 'typescript', RegExp> = {
  python: /^def\b/,
  javascript: /^(export\s+)?(async\s+)?function\b|^(export\s+)?const\s+\w+\s*=\s*(async\s*)?(\(|function\b)/,
  typescript: /^(export\s+)?(async\s+)?function\b|^(export\s+)?const\s+\w+\s*(:[^=]+)?=\s*(async\s*)?(\(|function\b|<)/,
};
