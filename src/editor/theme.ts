/**
 * The editor's two themes: Monaco's `vs` and `vs-dark` with the token colours that fall short of WCAG AA's 4.5:1
 * contrast replaced (the axe scan in test/e2e/a11y.test.ts checks them). Each replacement keeps its hue and
 * reaches at least 4.5:1 also on the lighter or darker tint of the "Show tokens" outlines (`.cg-token-1` in
 * app.css); under "Colour tokens by rank" the text takes the page's own colour (app.css, `.cg-rank`).
 *
 * Ratios on the editor's background (#fffffe light, #1e1e1e dark), before → after:
 * light: comment #008000 5.1 → #0b6e1d 6.4, number #098658 4.6 → #076a45 6.7, type #008080 4.8 → #00706f 5.9,
 *        annotation #808080 4.0 → #5f6368 6.1;
 * dark:  comment #608b4e 4.2 → #7ca668 6.0, variable.predefined #4864aa 2.9 → #7c93c9 5.5,
 *        regexp #b46695 4.2 → #c37fa7 5.5, annotation #cc6666 4.5 → #d98080 5.8, invalid #f44747 4.6 → #ff6b6b.
 */
import { monaco } from './monaco.ts';

export const LIGHT_THEME = 'codegram-light';
export const DARK_THEME = 'codegram-dark';

monaco.editor.defineTheme(LIGHT_THEME, {
  base: 'vs',
  inherit: true,
  rules: [
    { token: 'comment', foreground: '0b6e1d' },
    { token: 'number', foreground: '076a45' },
    { token: 'type', foreground: '00706f' },
    { token: 'annotation', foreground: '5f6368' },
  ],
  colors: {},
});

monaco.editor.defineTheme(DARK_THEME, {
  base: 'vs-dark',
  inherit: true,
  rules: [
    { token: 'comment', foreground: '7ca668' },
    { token: 'variable.predefined', foreground: '7c93c9' },
    { token: 'regexp', foreground: 'c37fa7' },
    { token: 'annotation', foreground: 'd98080' },
    { token: 'invalid', foreground: 'ff6b6b' },
  ],
  colors: {},
});

/** The theme for the page's colour scheme. */
export const editorTheme = (dark: boolean) => (dark ? DARK_THEME : LIGHT_THEME);
