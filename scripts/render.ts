// Renders the chart with `helm template`, prints the manifests, and runs `npm run check` on every
// document (Istio's CRDs, istiod's webhook, lint warnings) before anything reaches a cluster.
//
//   npm run render -- [release] [helm template flags]
//   npm run render -- shop-security -n shop -f values.yaml
//
// The release name defaults to istio-zero-trust when the first argument is a flag. Helm is
// $HELM_BIN, else helm on PATH, else the pinned Helm 3, run in the directory npm was run in
// ($INIT_CWD), so relative file names mean what they meant there.
//
// Before Helm runs, the values files given with -f/--values are read like `npm run validate`
// reads them, and the layered values are validated for the namespace of -n/--namespace: errors
// stop the render, warnings are printed. --set values cannot be seen before Helm reads them, so
// with a --set flag only each file's YAML is checked (several documents, a repeated key, a syntax
// error) and Helm checks the rest.
//
// Manifests go to stdout only when every check passes, so `npm run render ... | kubectl apply -f -`
// never applies a failing render; findings go to stderr (warnings do not stop the render). Exit 0
// when all passes (also when the values render nothing: then stdout stays empty), 1 when the
// values, Helm or a check fails, 2 for usage errors and when Helm cannot run.

import { formatFinding } from './lib/check/format.js';
import { CheckFailedError, isEntryPoint, runMain, UsageError } from './lib/errors.js';
import { DEFAULT_RELEASE, renderAndCheck, type RenderCheckOptions } from './lib/render-check.js';
import { DEFAULT_NAMESPACE } from './lib/validation.js';
import { checkValuesFiles, enterInvocationDirectory, formatReport } from './lib/values-files.js';

// Flags that send helm's output elsewhere, leaving nothing to check.
const UNSUPPORTED_FLAGS = ['--output-dir', '--release-name'];
const VALUES_FLAGS = ['-f', '--values'];
const NAMESPACE_FLAGS = ['-n', '--namespace'];
// Every flag of helm template that sets values besides a values file.
const SET_FLAGS = ['--set', '--set-file', '--set-json', '--set-literal', '--set-string'];
// Helm fetches a values file named by a URL itself; a check here cannot read it.
const URL = /^[a-z][a-z0-9+.-]*:\/\//i;
const STDIN = '-';
const USAGE = `usage: npm run render -- [release] [helm template flags]
  release   release name (default ${DEFAULT_RELEASE}); omit it when the first argument is a flag
  flags     passed to helm template as given, e.g. -n shop -f values.yaml --set key=value`;

/** What the helm template flags say about the values. */
export interface ValuesArguments {
  /** Values files in the order given, comma-separated lists split. */
  files: string[];
  /** The last -n/--namespace, else $HELM_NAMESPACE, else default (as Helm picks it). */
  namespace: string;
  /** The --set flags given, such as --set-string. */
  setFlags: string[];
}

function main(argv: readonly string[]): void {
  if (argv.includes('-h') || argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  const options = parseArguments(argv);
  enterInvocationDirectory();
  checkValues(valuesArguments(options.args ?? []));
  const result = renderAndCheck(options);
  if (result.error !== '') throw new CheckFailedError(result.error);
  if (result.stderr.trim() !== '') process.stderr.write(result.stderr);
  for (const finding of result.findings) console.error(formatFinding(finding));
  if (!result.ok) {
    const count = result.findings.filter(({ severity }) => severity === 'error').length;
    throw new CheckFailedError(
      `the rendered manifests have ${count} error${count === 1 ? '' : 's'} (listed above); no manifests printed`,
    );
  }
  printManifests(result.manifests, result.documents, result.findings.length);
}

/** `[release] [flags...]`: a first argument that is not a flag names the release. */
export function parseArguments(argv: readonly string[]): RenderCheckOptions {
  const unsupported = argv.find((arg) => UNSUPPORTED_FLAGS.includes(arg.split('=')[0] ?? ''));
  if (unsupported !== undefined) {
    throw new UsageError(
      `${unsupported} is not supported: render checks what helm prints\n${USAGE}`,
    );
  }
  const [first, ...rest] = argv;
  if (first !== undefined && !first.startsWith('-')) return { release: first, args: rest };
  return { release: DEFAULT_RELEASE, args: argv };
}

/**
 * The values files, namespace and --set flags in helm template flags, spelled as Helm takes them:
 * `-f FILE`, `-fFILE`, `-f=FILE`, `--values FILE`, `--values=FILE`, each a comma-separated list.
 */
export function valuesArguments(args: readonly string[]): ValuesArguments {
  const found: ValuesArguments = { files: [], namespace: '', setFlags: [] };
  for (let index = 0; index < args.length; index += 1) {
    const argument = args[index] ?? '';
    if (argument === '--') break; // what follows is not a flag for Helm either
    const [flag, inline] = splitFlag(argument);
    const value = (): string => {
      if (inline !== undefined) return inline;
      index += 1;
      return args[index] ?? '';
    };
    if (VALUES_FLAGS.includes(flag)) {
      found.files.push(...commaList(value()));
    } else if (NAMESPACE_FLAGS.includes(flag)) {
      found.namespace = value();
    } else if (SET_FLAGS.includes(flag)) {
      found.setFlags.push(flag);
      value();
    }
  }
  found.namespace ||= process.env.HELM_NAMESPACE || DEFAULT_NAMESPACE;
  return found;
}


/** Prints what the values files' check finds; throws when it finds an error. */
function checkValues({ files, namespace, setFlags }: ValuesArguments): void {
  if (files.includes(STDIN)) {
    // Helm would read an empty standard input here, since render does not pass its own on.
    throw new UsageError(
      `-f ${STDIN} (values from standard input) is not supported; write the values to a file\n${USAGE}`,
    );
  }
  const urls = files.filter((file) => URL.test(file));
  const local = files.filter((file) => !URL.test(file));
  const unseen = [...new Set(setFlags), ...urls];
  if (unseen.length > 0) {
    console.error(
      `render: values from ${unseen.join(', ')} cannot be validated before Helm reads them; checking only the YAML of the values files here, and Helm checks the rest`,
    );
  }
  const reports = checkValuesFiles(local, {
    namespace,
    baseDir: process.cwd(),
    rules: unseen.length === 0,
  });
  for (const report of reports) console.error(formatReport(report));
  const errors = reports.filter(({ severity }) => severity === 'error').length;
  if (errors > 0) {
    const count = `${errors} error${errors === 1 ? '' : 's'}`;
    throw new CheckFailedError(
      `the values have ${count} (listed above); nothing rendered, no manifests printed`,
    );
  }
}

// Helm prints a lone newline when every template is switched off; that is no manifest.
function printManifests(manifests: string, documents: readonly unknown[], warnings: number): void {
  const count = documents.filter(Boolean).length;
  if (count === 0) {
    console.error('render: nothing rendered: the values switch every resource off');
    return;
  }
  process.stdout.write(manifests);
  const noted = warnings === 0 ? '' : ` with ${warnings} warning${warnings === 1 ? '' : 's'}`;
  console.error(
    `render: ${count} ${count === 1 ? 'document passes' : 'documents pass'} the checks${noted}`,
  );
}

// Helm takes a list of values files in one flag, -f a.yaml,b.yaml, as well as repeated flags.
function commaList(value: string): string[] {
  return value.split(',').filter((item) => item !== '');
}

// `--flag=value` and the short `-fvalue` / `-f=value` forms, split like Helm's flag parser does.
function splitFlag(argument: string): [string, string | undefined] {
  if (argument.startsWith('--')) {
    const equals = argument.indexOf('=');
    return equals < 0
      ? [argument, undefined]
      : [argument.slice(0, equals), argument.slice(equals + 1)];
  }
  if (argument.startsWith('-') && argument.length > 2) {
    const rest = argument.slice(2);
    return [argument.slice(0, 2), rest.startsWith('=') ? rest.slice(1) : rest];
  }
  return [argument, undefined];
}

if (isEntryPoint(import.meta.url)) runMain('render', () => main(process.argv.slice(2)));
