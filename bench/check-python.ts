/**
 * The bench's Python runner: a child process (bench/check.ts starts it under `unshare -rn`, no network, and
 * Node's permission model, no file writes, no child processes) that loads Pyodide once and runs the requests it
 * reads from stdin, one JSON line each, answering one JSON line each (a HarnessReport). Bundled to plain
 * JavaScript before it starts: the permission model forbids tsx's esbuild process. The parent kills it when a run
 * passes its time limit and starts another for the requests left.
 */
import { createInterface } from 'node:readline';
import { loadPyodide } from 'pyodide';
import { runPython } from '../src/sandbox/harness.ts';
import type { RunRequest } from '../src/sandbox/protocol.ts';

/** Marks this runner's own lines (the generated code may print to the same stdout): chosen by the parent. */
const MARK = process.argv[2] ?? '';

const py = await loadPyodide();
process.stdout.write(`${MARK}${JSON.stringify({ ready: true })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const request = JSON.parse(line) as RunRequest;
  let report;
  try {
    report = runPython(py, request);
  } catch (e) {
    report = { kind: 'error', message: `the interpreter failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  process.stdout.write(`${MARK}${JSON.stringify(report)}\n`);
}
