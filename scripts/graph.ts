// Draws who may call whom in the mesh, and reports what the policies leave uncovered, from
// rendered manifests and an inventory of workloads. Every allow/deny comes from the offline
// simulator behind `npm run explain`.
//
//   npm run graph -- -f MANIFESTS... --inventory FILE [--out DIR] [--format text|json]
//   helm template ... | npm run graph -- -f - --inventory inventory.yaml
//
// The inventory lists the workloads (strictly validated; any problem is a usage error):
//
//   workloads:
//   - name: productpage                     # required; unique within its namespace
//     namespace: bookinfo                   # required
//     labels: {app: productpage}            # pod labels that selectors match; default {}
//     serviceAccount: bookinfo-productpage  # default "default"
//     ports:                                # container ports; default []
//     - {port: 9080, protocol: http}        # http (default; also HTTP/2, gRPC) or tcp
//     sidecar: true                         # false: not in the mesh (plaintext, nothing enforced)
//
// For every caller (each workload, and a plaintext caller "outside the mesh") and every port of
// every other workload, candidate requests are simulated: the caller's mTLS identity (or
// plaintext), each HTTP method (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, those the policies
// name, and one they do not name: TRACE unless named) on `/`, on the paths the policies name and
// on one path they do not name, without a token and with a valid token of each applying
// RequestAuthentication (subject "user"). An edge is drawn when some request is allowed; its
// label says the port, the methods ("any method" only when the unnamed method is allowed too),
// "(some paths)" when some tried path is denied, and "with JWT: ..." when a token allows more.
// The labels cover only the requests tried: a condition on headers or addresses does not show.
//
// Written to --out (default graph/ where npm was run), all or nothing: graph.mmd (Mermaid
// flowchart), graph.svg (laid out by Graphviz) and coverage.md. Stdout: the coverage report
// (Markdown), or with --format json one object {nodes, edges, coverage, warnings}; stderr: the
// files written, and warnings about the input (as explain gives them) and about a graph.mmd
// beyond Mermaid's default limits (500 edges, 50,000 characters).
//
// Exit codes: 0 written; 2 for usage errors (bad flags, an invalid inventory, manifests that
// cannot be read, an --out that cannot be written); 1 for an unexpected failure (a bug).

import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { isEntryPoint, runMain, UsageError } from './lib/errors.js';
import { readManifests } from './lib/explain/manifests.js';
import { nearestOption } from './lib/explain/request.js';
import { DEFAULT_MESH, type MeshSettings } from './lib/explain/types.js';
import { inputWarnings } from './lib/explain/warnings.js';
import { coverageOf } from './lib/graph/coverage.js';
import { buildGraph } from './lib/graph/edges.js';
import { readInventory } from './lib/graph/inventory.js';
import { mermaidLimitWarnings, renderSvg, toMermaid } from './lib/graph/render.js';
import { coverageMarkdown, reportJson } from './lib/graph/report.js';
import { enterInvocationDirectory } from './lib/values-files.js';

const FORMATS = ['text', 'json'] as const;
type Format = (typeof FORMATS)[number];
const DEFAULT_OUT = 'graph';
const DEFAULT_NAMESPACE = 'default';
const STDIN = '-';
const MERMAID_FILE = 'graph.mmd';
const SVG_FILE = 'graph.svg';
const COVERAGE_FILE = 'coverage.md';
const USAGE = `usage: npm run graph -- -f MANIFESTS... --inventory FILE [--out DIR] [--format text|json]
  -f, --filename FILE     rendered manifests (repeatable; - reads standard input)
  --inventory FILE        the workloads: YAML, see README "Call graph and coverage" (- for stdin)
  --out DIR               where graph.mmd, graph.svg and coverage.md go (default ${DEFAULT_OUT}/)
  --format text|json      text (default): coverage report; json: {nodes, edges, coverage, warnings}
  -n, --namespace NS      namespace of manifests that have none (default ${DEFAULT_NAMESPACE})
  --root-namespace NS     Istio's root namespace (default ${DEFAULT_MESH.rootNamespace})
  --trust-domain TD       the mesh's trust domain (default ${DEFAULT_MESH.trustDomain})
  --trust-domain-alias TD another name of the trust domain (repeatable)
  --ext-authz allow|deny  what the external authorizer of a matching CUSTOM policy answers (allow)
exit codes: 0 written; 2 usage errors (flags, inventory, manifests, --out); 1 unexpected failure`;
// Flags by their long name; only REPEATABLE_FLAGS may be given more than once.
const LONG_FLAGS = [
  '--filename',
  '--inventory',
  '--out',
  '--format',
  '--namespace',
  '--root-namespace',
  '--trust-domain',
  '--trust-domain-alias',
  '--ext-authz',
  '--help',
];
const REPEATABLE_FLAGS = ['--filename', '--trust-domain-alias'];
const SHORT_FLAGS: Readonly<Record<string, string>> = { '-f': '--filename', '-n': '--namespace' };
// What a failed write means, and its fix, by Node's error code.
const WRITE_FAILURES: Readonly<Record<string, [string, string]>> = {
  EACCES: ['permission denied', 'give --out a directory you can write to'],
  EPERM: ['permission denied', 'give --out a directory you can write to'],
  EROFS: ['the file system is read-only', 'give --out a directory on a writable file system'],
  ENOSPC: ['no space left on the device', 'free some space, or give --out a directory elsewhere'],
  EDQUOT: ['the disk quota is used up', 'free some space, or give --out a directory elsewhere'],
  ENOTDIR: [
    'a part of the path is a file',
    'give --out a directory, not a file or a path through one',
  ],
  EEXIST: ['a file of that name is in the way', 'give --out a directory, not a file'],
  EISDIR: ['it is a directory', 'remove or rename that directory, or give another --out'],
};

/** What the command line asks for. */
export interface GraphArguments {
  files: string[];
  inventory: string;
  out: string;
  format: Format;
  namespace: string;
  mesh: MeshSettings;
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('-h') || argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  const options = parseArguments(argv);
  enterInvocationDirectory();
  const { workloads } = readInventory(options.inventory);
  const manifests = readManifests(options.files, options.namespace);
  warn(inputWarnings(manifests));
  makeOutDirectory(options.out);
  const graph = buildGraph(manifests.documents, workloads, options.mesh);
  const coverage = coverageOf(manifests.documents, workloads, options.mesh);
  const mermaid = toMermaid(graph);
  const limits = mermaidLimitWarnings(mermaid, graph.edges.length, MERMAID_FILE);
  warn(limits);
  const report = coverageMarkdown(graph, coverage, limits);
  writeOutputs(options.out, {
    [MERMAID_FILE]: mermaid,
    [SVG_FILE]: await renderSvg(graph),
    [COVERAGE_FILE]: report,
  });
  process.stdout.write(options.format === 'json' ? reportJson(graph, coverage, limits) : report);
}

/** Flags and files; throws UsageError for anything else. */
export function parseArguments(argv: readonly string[]): GraphArguments {
  const options: GraphArguments = {
    files: [],
    inventory: '',
    out: DEFAULT_OUT,
    format: 'text',
    namespace: DEFAULT_NAMESPACE,
    mesh: { ...DEFAULT_MESH, trustDomainAliases: [] },
  };
  const aliases: string[] = [];
  const seen = new Set<string>();
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    const [flag, inline] = splitFlag(argument);
    refuseRepeat(flag, seen);
    const value = (): string => inline ?? valueOf(flag, argv[(index += 1)]);
    if (flag === '-f' || flag === '--filename') options.files.push(value());
    else if (flag === '--inventory') options.inventory = value();
    else if (flag === '--out') options.out = value();
    else if (flag === '--format') options.format = formatOf(value());
    else if (flag === '-n' || flag === '--namespace') options.namespace = value();
    else if (flag === '--root-namespace') options.mesh.rootNamespace = value();
    else if (flag === '--trust-domain') options.mesh.trustDomain = value();
    else if (flag === '--trust-domain-alias') aliases.push(value());
    else if (flag === '--ext-authz') options.mesh.externalAuthorizer = authorizerOf(value());
    else if (argument.startsWith('-') && argument !== STDIN) throw unknownFlag(flag);
    else options.files.push(argument);
  }
  options.mesh.trustDomainAliases = aliases;
  if (options.files.length === 0) throw new UsageError(`no manifests given (-f FILE)\n${USAGE}`);
  if (options.inventory === '') throw new UsageError(`no --inventory FILE given\n${USAGE}`);
  if (options.inventory === STDIN && options.files.includes(STDIN)) {
    throw new UsageError(
      'standard input can hold the manifests (-f -) or the inventory (--inventory -), not both; write one of them to a file',
    );
  }
  return options;
}

// A flag that takes one value, given a second time: which one counts would be a guess.
function refuseRepeat(flag: string, seen: Set<string>): void {
  const name = SHORT_FLAGS[flag] ?? flag;
  if (!LONG_FLAGS.includes(name) || REPEATABLE_FLAGS.includes(name)) return;
  if (seen.has(name)) throw new UsageError(`${flag} is given twice; give it once\n${USAGE}`);
  seen.add(name);
}

function unknownFlag(flag: string): UsageError {
  const near = flag.startsWith('--') ? nearestOption(flag, LONG_FLAGS) : undefined;
  if (near !== undefined) return new UsageError(`unknown flag ${flag}; did you mean ${near}?`);
  return new UsageError(`unknown flag ${flag}\n${USAGE}`);
}

// `--flag=value` as flag and value; other arguments as they are.
function splitFlag(argument: string): [string, string | undefined] {
  const equals = argument.indexOf('=');
  if (!argument.startsWith('--') || equals < 0) return [argument, undefined];
  return [argument.slice(0, equals), argument.slice(equals + 1)];
}

function valueOf(flag: string, value: string | undefined): string {
  if (value === undefined || value === '' || (value.startsWith('-') && value !== STDIN)) {
    throw new UsageError(`${flag} needs a value\n${USAGE}`);
  }
  return value;
}

function formatOf(value: string): Format {
  if (FORMATS.includes(value as Format)) return value as Format;
  throw new UsageError(`--format takes text or json, not ${value}\n${USAGE}`);
}

function authorizerOf(value: string): MeshSettings['externalAuthorizer'] {
  if (value === 'allow' || value === 'deny') return value;
  throw new UsageError(`--ext-authz takes allow or deny, not ${value}\n${USAGE}`);
}

function warn(warnings: readonly string[]): void {
  for (const warning of warnings) console.error(`graph: warning: ${warning}`);
}

// Before the simulation, which can take a while, so that a bad --out fails at once.
function makeOutDirectory(directory: string): void {
  try {
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    throw writeError(directory, directory, error, []);
  }
}

/**
 * Writes every file or none: each goes to a temporary name in the directory, and only when all
 * are written are they renamed into place; on a failure the temporaries are removed. A directory
 * in the way of a file is refused before any rename, so that the renames do not fail halfway.
 */
function writeOutputs(directory: string, files: Readonly<Record<string, string>>): void {
  const staged: { temporary: string; file: string }[] = [];
  const renamed: string[] = [];
  let current = directory;
  try {
    for (const [name, content] of Object.entries(files)) {
      current = path.join(directory, name);
      if (statSync(current, { throwIfNoEntry: false })?.isDirectory() === true) {
        throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      }
      const temporary = path.join(directory, `.${name}.${process.pid}.tmp`);
      staged.push({ temporary, file: current });
      writeFileSync(temporary, content);
    }
    for (const { temporary, file } of staged) {
      current = file;
      renameSync(temporary, file);
      renamed.push(file);
    }
  } catch (error) {
    for (const { temporary } of staged) rmSync(temporary, { force: true });
    throw writeError(current, directory, error, renamed);
  }
  for (const { file } of staged) console.error(`wrote ${file}`);
}

// The path, the reason in words, what to do about it, and what was written all the same.
function writeError(
  where: string,
  directory: string,
  error: unknown,
  renamed: readonly string[],
): UsageError {
  const code = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? '') : '';
  const message = error instanceof Error ? error.message : String(error);
  const [reason, fix] = WRITE_FAILURES[code] ?? [
    message,
    'give --out a directory you can write to',
  ];
  const written =
    renamed.length === 0 ? 'nothing was written' : `only ${renamed.join(', ')} was written`;
  return new UsageError(
    `cannot write ${where} (--out ${directory}): ${reason}; ${fix} (${written})`,
  );
}


if (isEntryPoint(import.meta.url)) runMain('graph', () => main(process.argv.slice(2)));
