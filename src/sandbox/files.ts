/**
 * Where the sandbox's files are served, relative to the site's folder: written there by the build and served
 * by the dev server (sandbox-files/plugin.ts), fetched by the page (host.ts) only when the sandbox is first
 * used, and cached by the service worker at that first use (they are not in its precache).
 */
export const SANDBOX_FOLDER = 'sandbox/';

export const SANDBOX_FILES = {
  /** The iframe's page: its script inlined, its own Content Security Policy in a meta tag. */
  frame: 'sandbox/frame.html',
  /** The Python worker's program (runner.ts bundled with Pyodide's loader), a classic script run from a blob. */
  runner: 'sandbox/runner.js',
  /** Pyodide's runtime, copied from node_modules/pyodide as it is. */
  pyodide: {
    asm: 'sandbox/pyodide/pyodide.asm.mjs',
    wasm: 'sandbox/pyodide/pyodide.asm.wasm',
    stdlib: 'sandbox/pyodide/python_stdlib.zip',
    lock: 'sandbox/pyodide/pyodide-lock.json',
  },
} as const;
