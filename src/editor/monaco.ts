/**
 * Monaco, trimmed to what Codegram needs: the editor, suggestions, inline (ghost) completions, hover,
 * and the four languages it offers. Monaco 0.57 import paths (see shared STACK notes); the editor's own
 * worker is set once here, or the built site cannot load its imports.
 */
import * as monaco from 'monaco-editor/editor';
import 'monaco-editor/features/suggest/register';
import 'monaco-editor/features/inlineCompletions/register';
import 'monaco-editor/features/hover/register';
import 'monaco-editor/languages/definitions/python/register';
import 'monaco-editor/languages/definitions/javascript/register';
import 'monaco-editor/languages/definitions/typescript/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';

self.MonacoEnvironment = { getWorker: () => new EditorWorker() };

// Monaco rejects with "Canceled" when a suggestion request is dropped (a known upstream quirk): ignore
// exactly those, nothing broader.
window.addEventListener('unhandledrejection', (event) => {
  const reason = event.reason as { name?: string; message?: string } | undefined;
  if (reason?.name === 'Canceled' || reason?.message === 'Canceled') event.preventDefault();
});

export { monaco };

export type Language = 'python' | 'javascript' | 'typescript' | 'plaintext';

export const LANGUAGES: { id: Language; label: string }[] = [
  { id: 'python', label: 'Python' },
  { id: 'javascript', label: 'JavaScript' },
  { id: 'typescript', label: 'TypeScript' },
  { id: 'plaintext', label: 'Plain text' },
];

export function isLanguage(v: string | null | undefined): v is Language {
  return LANGUAGES.some((l) => l.id === v);
}
