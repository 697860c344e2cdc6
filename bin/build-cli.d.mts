/** Types of bin/build-cli.mjs (plain JavaScript so that it runs without a transpiler), for the tests and the bench. */
export const ROOT: string;
export const OUT_DIR: string;
export const BUNDLE: string;
export const INPUTS: string;
export function staleReason(outDir?: string): string | null;
export function buildCli(): Promise<void>;
export function ensureCli(force?: boolean): Promise<string | null>;
