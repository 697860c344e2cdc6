/**
 * `npm run cli -- …`: the command line (src/cli/main.ts) from its bundle, dist-cli/cli.mjs, rebuilt first when a
 * source it was built from changed since (bin/build-cli.mjs; a few dozen stat calls when nothing changed).
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
