// Renders the chart with `helm template`, prints the manifests, and checks every document against
// Istio's CRDs (OpenAPI schema and CEL rules) before anything reaches a cluster.
//
//   npm run render -- [release] [helm template flags]
//   npm run render -- shop-security -n shop -f values.yaml
//
// The release name defaults to istio-zero-trust when the first argument is a flag. Helm is
// $HELM_BIN, else helm on PATH, else the pinned Helm 3. Manifests go to stdout only when every
// check passes, so `npm run render ... | kubectl apply -f -` never applies a failing render;
// findings go to stderr. Exit 0 when all passes, 1 when Helm fails or a check fails, 2 for usage
// errors and when Helm cannot run.

import { formatFinding } from './lib/crd-check.js';
import { CheckFailedError, isEntryPoint, runMain, UsageError } from './lib/errors.js';
import { DEFAULT_RELEASE, renderAndCheck, type RenderCheckOptions } from './lib/render-check.js';

// Flags that send helm's output elsewhere, leaving nothing to check.
const UNSUPPORTED_FLAGS = ['--output-dir', '--release-name'];
const USAGE = `usage: npm run render -- [release] [helm template flags]
  release   release name (default ${DEFAULT_RELEASE}); omit it when the first argument is a flag
  flags     passed to helm template as given, e.g. -n shop -f values.yaml --set key=value`;

function main(argv: readonly string[]): void {
  if (argv.includes('-h') || argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  const result = renderAndCheck(parseArguments(argv));
  if (result.error !== '') throw new CheckFailedError(result.error);
  if (result.stderr.trim() !== '') process.stderr.write(result.stderr);
  for (const finding of result.findings) console.error(formatFinding(finding));
  if (!result.ok) {
    const count = result.findings.length;
    throw new CheckFailedError(
      `${count} CRD check${count === 1 ? '' : 's'} failed; no manifests printed`,
    );
  }
  process.stdout.write(result.manifests);
  const documents = result.documents.filter(Boolean).length;
  console.error(`render: ${documents} ${documents === 1 ? 'document passes' : 'documents pass'} the CRD checks`);
}

/** `[release] [flags...]`: a first argument that is not a flag names the release. */
export function parseArguments(argv: readonly string[]): RenderCheckOptions {
  const unsupported = argv.find((arg) => UNSUPPORTED_FLAGS.includes(arg.split('=')[0] ?? ''));
  if (unsupported !== undefined) {
    throw new UsageError(`${unsupported} is not supported: render checks what helm prints\n${USAGE}`);
  }
  const [first, ...rest] = argv;
  if (first !== undefined && !first.startsWith('-')) return { release: first, args: rest };
  return { release: DEFAULT_RELEASE, args: argv };
}

if (isEntryPoint(import.meta.url)) runMain('render', () => main(process.argv.slice(2)));
