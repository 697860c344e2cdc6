#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.hugetlb=1 node
/**
 * `npm run cli -- …`, or `bin/cli.mjs …` run as a program: the command line (src/cli/main.ts) from its bundle,
 * dist-cli/cli.mjs, rebuilt first when a source it was built from changed since (bin/build-cli.mjs; a few dozen stat
 * calls when nothing changed).
 *
 * Run as a program, the first line starts Node as the npm script does, with glibc's malloc asking for transparent
 * huge pages (README, "In a fresh process"), and without npm's own start (about 0.25 s).
 */
import { pathToFileURL } from 'node:url';
import { BUNDLE, buildCli, staleReason } from './build-cli.mjs';

const reason = staleReason();
if (reason) {
  // Said on stderr so that stdout stays the command's own output.
  process.stderr.write(`rebuilding the CLI bundle (${reason})…\n`);
  await buildCli();
}
await import(pathToFileURL(BUNDLE).href);
