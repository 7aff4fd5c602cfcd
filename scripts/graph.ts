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
// plaintext), each HTTP method (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS and those the
// policies name) on `/` and on the paths the policies name, without a token and with a valid
// token of each applying RequestAuthentication (subject "user"). An edge is drawn when some
// request is allowed; its label says the port, the methods, "(some paths)" when only some paths
// are allowed, and "with JWT: ..." when a token allows more.
//
// Written to --out (default graph/ where npm was run): graph.mmd (Mermaid flowchart), graph.svg
// (laid out by Graphviz) and coverage.md. Stdout: the coverage report (Markdown), or with
// --format json one object {nodes, edges, coverage}; stderr: the files written. Exit 0 when
// written, 2 for usage errors (bad flags, an invalid inventory, unreadable manifests).

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { isEntryPoint, runMain, UsageError } from './lib/errors.js';
import { readManifests } from './lib/explain/manifests.js';
import { DEFAULT_MESH, type MeshSettings } from './lib/explain/types.js';
import { coverageOf } from './lib/graph/coverage.js';
import { buildGraph } from './lib/graph/edges.js';
import { readInventory } from './lib/graph/inventory.js';
import { renderSvg, toDot, toMermaid } from './lib/graph/render.js';
import { coverageMarkdown, reportJson } from './lib/graph/report.js';
import { invocationDirectory } from './lib/values-files.js';

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
  --inventory FILE        the workloads: YAML, see README "Call graph and coverage"
  --out DIR               where graph.mmd, graph.svg and coverage.md go (default ${DEFAULT_OUT}/)
  --format                text (default): the coverage report; json: {nodes, edges, coverage}
  -n, --namespace NS      namespace of manifests that have none (default ${DEFAULT_NAMESPACE})
  --root-namespace NS     Istio's root namespace (default ${DEFAULT_MESH.rootNamespace})
  --trust-domain TD       the mesh's trust domain (default ${DEFAULT_MESH.trustDomain})
  --trust-domain-alias TD another name of the trust domain (repeatable)
  --ext-authz allow|deny  what the external authorizer of a matching CUSTOM policy answers (allow)`;

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
  const { documents } = readManifests(options.files, options.namespace);
  const graph = buildGraph(documents, workloads, options.mesh);
  const coverage = coverageOf(documents, workloads, options.mesh);
  const report = coverageMarkdown(graph, coverage);
  writeOutputs(options.out, {
    [MERMAID_FILE]: toMermaid(graph),
    [SVG_FILE]: await renderSvg(toDot(graph)),
    [COVERAGE_FILE]: report,
  });
  process.stdout.write(options.format === 'json' ? reportJson(graph, coverage) : report);
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
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    const [flag, inline] = splitFlag(argument);
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
    else if (argument.startsWith('-') && argument !== STDIN) {
      throw new UsageError(`unknown flag ${argument}\n${USAGE}`);
    } else options.files.push(argument);
  }
  options.mesh.trustDomainAliases = aliases;
  if (options.files.length === 0) throw new UsageError(`no manifests given (-f FILE)\n${USAGE}`);
  if (options.inventory === '') throw new UsageError(`no --inventory FILE given\n${USAGE}`);
  return options;
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

function writeOutputs(directory: string, files: Record<string, string>): void {
  try {
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot create --out ${directory}: ${reason}`);
  }
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(directory, name);
    writeFileSync(file, content);
    console.error(`wrote ${file}`);
  }
}

// npm runs scripts from the project root; a relative name means what it meant where npm was run.
function enterInvocationDirectory(): void {
  const directory = invocationDirectory();
  try {
    process.chdir(directory);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot run in ${directory}, where npm was run: ${reason}`);
  }
}

if (isEntryPoint(import.meta.url)) runMain('graph', () => main(process.argv.slice(2)));
