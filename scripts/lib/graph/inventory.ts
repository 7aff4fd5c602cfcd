// Reads the inventory of `npm run graph`: the workloads whose calls the graph shows. Validation is
// strict, because a misspelt key would silently change the graph (a `sidecars: false` that is
// ignored draws a workload inside the mesh): every problem is reported at once, each with its
// path, what is wrong and how to fix it.
//
//   workloads:
//   - name: productpage                     # required; unique within its namespace
//     namespace: bookinfo                   # required
//     labels: {app: productpage}            # pod labels that selectors match; default {}
//     serviceAccount: bookinfo-productpage  # default "default"
//     ports:                                # ports the workload listens on; default []
//     - {port: 9080, protocol: http}        # protocol http (default) or tcp
//     sidecar: true                         # false: not in the mesh (calls in plaintext)
//
// A value YAML reads as another type than the string expected (`name: 2024-01-01` is a date,
// `version: 1.0` the number 1) is reported as written, with the quoted spelling to use instead.
//
//   import { readInventory } from './inventory.js';
//   const { workloads } = readInventory('inventory.yaml');  // sorted by namespace, then name
//   readInventory('-');                                      // reads standard input

import { readFileSync } from 'node:fs';

import yaml from 'js-yaml';

import { STDIN } from '../check/read.js';
import { UsageError } from '../errors.js';
import type { Protocol } from '../explain/types.js';
import { editDistance } from '../text.js';
import { compareText, isRecord } from './fields.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
const TOP_KEYS = ['workloads'] as const;
const WORKLOAD_KEYS = [
  'name',
  'namespace',
  'labels',
  'serviceAccount',
  'ports',
  'sidecar',
] as const;
const PORT_KEYS = ['port', 'protocol'] as const;
const PROTOCOLS: readonly Protocol[] = ['http', 'tcp'];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const MAX_LABEL = 63;
const MAX_SUBDOMAIN = 253;
const MAX_SUGGESTION_DISTANCE = 3;

/** A port the workload listens on (the container port, which sidecars enforce policies on). */
export interface WorkloadPort {
  port: number;
  protocol: Protocol;
}

/** One workload of the inventory, defaults filled in. */
export interface Workload {
  name: string;
  namespace: string;
  labels: Readonly<Record<string, string>>;
  serviceAccount: string;
  /** Sorted by port number. */
  ports: readonly WorkloadPort[];
  /** False: no proxy, so nothing is enforced and its calls carry no mTLS identity. */
  sidecar: boolean;
}

export interface Inventory {
  /** Sorted by namespace, then name. */
  workloads: readonly Workload[];
}

/** A value of the inventory with its text as written, its key and its path, for messages. */
interface Field {
  value: unknown;
  written: unknown;
  key: string;
  path: string;
}

/** One problem: where, what, and how to fix it. */
export interface InventoryProblem {
  path: string;
  problem: string;
  fix: string;
}

/** Reads and validates an inventory (`-`: standard input); throws UsageError naming every problem. */
export function readInventory(file: string): Inventory {
  const name = file === STDIN ? 'standard input' : file;
  let text: string;
  try {
    text = readFileSync(file === STDIN ? 0 : file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot read the inventory ${name}: ${reason}`);
  }
  return parseInventory(text, name);
}

/** Validates the text of an inventory named `file` in messages; throws UsageError. */
export function parseInventory(text: string, file: string): Inventory {
  const { data, written } = loadYaml(text, file);
  const { inventory, problems } = checkInventory(data, written);
  if (problems.length > 0) throw new UsageError(formatProblems(file, problems));
  return inventory;
}

/**
 * The inventory, and every problem with the parsed data (the inventory is partial then).
 * `written` is the same document with every scalar as the text written, for messages.
 */
export function checkInventory(
  data: unknown,
  written?: unknown,
): {
  inventory: Inventory;
  problems: InventoryProblem[];
} {
  const problems: InventoryProblem[] = [];
  const workloads: Workload[] = [];
  if (!isRecord(data)) {
    problems.push({
      path: '(file)',
      problem: data === undefined ? 'is empty' : `is ${describe(data)}, not a map`,
      fix: 'start the file with `workloads:` and list the workloads under it',
    });
    return { inventory: { workloads }, problems };
  }
  problems.push(...unknownKeys(data, TOP_KEYS, ''));
  const list = data.workloads;
  if (!Array.isArray(list) || list.length === 0) {
    problems.push({
      path: 'workloads',
      problem:
        list === undefined
          ? 'is missing'
          : Array.isArray(list)
            ? 'is empty'
            : `is ${describe(list)}, not a list`,
      fix: 'list the workloads: `workloads: [{name: web, namespace: shop}]`',
    });
  } else {
    const writtenList = isRecord(written) ? written.workloads : undefined;
    list.forEach((entry, index) => {
      const writtenEntry = Array.isArray(writtenList) ? writtenList[index] : undefined;
      const workload = checkWorkload(entry, writtenEntry, `workloads[${index}]`, problems);
      if (workload !== undefined) workloads.push(workload);
    });
    problems.push(...duplicateWorkloads(list));
  }
  workloads.sort(compareWorkloads);
  return { inventory: { workloads }, problems };
}

/** `namespace/name`, how messages and the graph name a workload. */
export function workloadId(workload: Pick<Workload, 'namespace' | 'name'>): string {
  return `${workload.namespace}/${workload.name}`;
}

export function compareWorkloads(a: Workload, b: Workload): number {
  return compareText(a.namespace, b.namespace) || compareText(a.name, b.name);
}

// Parsed with js-yaml's default (YAML 1.2 core) schema, so `yes` stays a string and is refused
// where a boolean belongs rather than read as true; and again with every scalar a string, which
// keeps the text as written (`1.0`, not 1) for messages.
function loadYaml(text: string, file: string): { data: unknown; written: unknown } {
  const source = text.replace(/^\uFEFF/, '');
  let documents: unknown[];
  try {
    documents = yaml.loadAll(source);
  } catch (error) {
    if (!(error instanceof yaml.YAMLException)) throw error;
    const line = error.mark === undefined ? '' : `line ${error.mark.line + 1}: `;
    const fix =
      error.reason === 'duplicated mapping key'
        ? 'keep one of the two entries'
        : 'correct the YAML at that line';
    throw new UsageError(`invalid inventory ${file}:\n- ${line}${error.reason}; ${fix}`);
  }
  if (documents.length > 1) {
    throw new UsageError(
      `invalid inventory ${file}:\n- (file): holds ${documents.length} YAML documents; keep one document with all the workloads under \`workloads:\``,
    );
  }
  return { data: documents[0], written: writtenText(source) };
}

// Undefined when the text does not read without types (an explicit tag such as `!!int`).
function writtenText(source: string): unknown {
  try {
    return yaml.load(source, { schema: yaml.FAILSAFE_SCHEMA });
  } catch {
    return undefined;
  }
}

function formatProblems(file: string, problems: readonly InventoryProblem[]): string {
  const lines = problems.map(({ path, problem, fix }) => `- ${path}: ${problem}; ${fix}`);
  return [`invalid inventory ${file}:`, ...lines].join('\n');
}

function checkWorkload(
  entry: unknown,
  written: unknown,
  path: string,
  problems: InventoryProblem[],
): Workload | undefined {
  if (!isRecord(entry)) {
    problems.push({
      path,
      problem: `is ${describe(entry)}, not a map`,
      fix: 'write the workload as a map: `{name: web, namespace: shop}`',
    });
    return undefined;
  }
  const before = problems.length;
  problems.push(...unknownKeys(entry, WORKLOAD_KEYS, path));
  const field = (key: string): Field => ({
    value: entry[key],
    written: isRecord(written) ? written[key] : undefined,
    key,
    path: `${path}.${key}`,
  });
  const name = checkName(field('name'), DNS_SUBDOMAIN, MAX_SUBDOMAIN, problems);
  const namespace = checkName(field('namespace'), DNS_LABEL, MAX_LABEL, problems);
  const serviceAccount =
    entry.serviceAccount === undefined
      ? DEFAULT_SERVICE_ACCOUNT
      : checkName(field('serviceAccount'), DNS_SUBDOMAIN, MAX_SUBDOMAIN, problems);
  const labels = checkLabels(field('labels'), problems);
  const ports = checkPorts(entry.ports, `${path}.ports`, problems);
  const sidecar = checkSidecar(entry.sidecar, `${path}.sidecar`, problems);
  if (problems.length > before) return undefined;
  return {
    name: name ?? '',
    namespace: namespace ?? '',
    labels,
    serviceAccount: serviceAccount ?? DEFAULT_SERVICE_ACCOUNT,
    ports,
    sidecar,
  };
}

// Names as Kubernetes accepts them, so that a typo such as `Bookinfo` is caught here rather
// than silently matching no policy.
function checkName(
  { value, written, key, path }: Field,
  pattern: RegExp,
  maxLength: number,
  problems: InventoryProblem[],
): string | undefined {
  const kind = pattern === DNS_LABEL ? 'a DNS label' : 'a DNS subdomain name';
  const fix = `write ${kind}: lower-case letters, digits and '-'${pattern === DNS_LABEL ? '' : " and '.'"}, at most ${maxLength} characters`;
  if (value === undefined) {
    problems.push({ path, problem: 'is missing', fix: `add it; ${fix.slice('write '.length)}` });
    return undefined;
  }
  if (typeof value !== 'string') {
    const quoted = quoteFix(key, value, written);
    problems.push({
      path,
      problem: `is ${describeWritten(value, written)}, not a string`,
      fix: quoted ?? fix,
    });
    return undefined;
  }
  if (value.length > maxLength || !pattern.test(value)) {
    problems.push({ path, problem: `${JSON.stringify(value)} is not ${kind}`, fix });
    return undefined;
  }
  return value;
}

function checkLabels(
  { value, written, path }: Field,
  problems: InventoryProblem[],
): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) {
    problems.push({
      path,
      problem: `is ${describe(value)}, not a map`,
      fix: 'write the pod labels as a map: `labels: {app: web}`',
    });
    return {};
  }
  const labels: Record<string, string> = {};
  for (const [key, label] of Object.entries(value).sort(([a], [b]) => compareText(a, b))) {
    const keyPath = `${path}.${key}`;
    if (!isLabelKey(key)) {
      problems.push({
        path: keyPath,
        problem: 'is not a valid label key',
        fix: "write [prefix/]name: the name at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
      });
    } else if (typeof label !== 'string') {
      const writtenLabel = isRecord(written) ? written[key] : undefined;
      problems.push({
        path: keyPath,
        problem: `is ${describeWritten(label, writtenLabel)}, not a string`,
        fix:
          quoteFix(key, label, writtenLabel) ??
          'quote the value: label values are strings (`version: "1.0"`, `canary: "true"`)',
      });
    } else if (label.length > MAX_LABEL || (label !== '' && !LABEL_NAME.test(label))) {
      problems.push({
        path: keyPath,
        problem: `${JSON.stringify(label)} is not a valid label value`,
        fix: "write at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
      });
    } else {
      labels[key] = label;
    }
  }
  return labels;
}

function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const name = key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  if (name.length > MAX_LABEL || !LABEL_NAME.test(name)) return false;
  return prefix === undefined || (prefix.length <= MAX_SUBDOMAIN && DNS_SUBDOMAIN.test(prefix));
}

function checkPorts(value: unknown, path: string, problems: InventoryProblem[]): WorkloadPort[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push({
      path,
      problem: `is ${describe(value)}, not a list`,
      fix: 'list the ports: `ports: [{port: 8080, protocol: http}]`',
    });
    return [];
  }
  const ports: WorkloadPort[] = [];
  const seen = new Map<number, number>();
  value.forEach((entry, index) => {
    const port = checkPort(entry, `${path}[${index}]`, problems);
    if (port === undefined) return;
    const first = seen.get(port.port);
    if (first !== undefined) {
      problems.push({
        path: `${path}[${index}].port`,
        problem: `${port.port} is already listed at ${path}[${first}]`,
        fix: 'list each port once',
      });
      return;
    }
    seen.set(port.port, index);
    ports.push(port);
  });
  return ports.sort((a, b) => a.port - b.port);
}

function checkPort(
  entry: unknown,
  path: string,
  problems: InventoryProblem[],
): WorkloadPort | undefined {
  if (!isRecord(entry)) {
    problems.push({
      path,
      problem: `is ${describe(entry)}, not a map`,
      fix: 'write the port as a map: `{port: 8080, protocol: http}`',
    });
    return undefined;
  }
  const before = problems.length;
  problems.push(...unknownKeys(entry, PORT_KEYS, path));
  const port = entry.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    problems.push({
      path: `${path}.port`,
      problem: port === undefined ? 'is missing' : `is ${describe(port)}, not a port number`,
      fix: 'write the container port as a number from 1 to 65535, unquoted',
    });
  }
  const protocol = entry.protocol ?? 'http';
  if (!PROTOCOLS.includes(protocol as Protocol)) {
    problems.push({
      path: `${path}.protocol`,
      problem: `is ${describe(protocol)}, not http or tcp`,
      fix: 'write http (also for HTTP/2 and gRPC) or tcp (any other protocol)',
    });
  }
  if (problems.length > before) return undefined;
  return { port: port as number, protocol: protocol as Protocol };
}

function checkSidecar(value: unknown, path: string, problems: InventoryProblem[]): boolean {
  if (value === undefined) return true;
  if (typeof value === 'boolean') return value;
  problems.push({
    path,
    problem: `is ${describe(value)}, not true or false`,
    fix: 'write true (the workload has an Istio sidecar) or false (it is not in the mesh)',
  });
  return true;
}

function unknownKeys(
  map: Record<string, unknown>,
  known: readonly string[],
  path: string,
): InventoryProblem[] {
  return Object.keys(map)
    .filter((key) => !known.includes(key))
    .map((key) => ({
      path: path === '' ? key : `${path}.${key}`,
      problem: 'is not a known key',
      fix: unknownKeyFix(key, known),
    }));
}

function unknownKeyFix(key: string, known: readonly string[]): string {
  const closest = [...known]
    .map((candidate) => ({
      candidate,
      distance: editDistance(key.toLowerCase(), candidate.toLowerCase()),
    }))
    .sort((a, b) => a.distance - b.distance)[0];
  const keys = known.join(', ');
  if (closest !== undefined && closest.distance <= MAX_SUGGESTION_DISTANCE) {
    return `did you mean ${closest.candidate}? Known keys: ${keys}`;
  }
  return `remove it; known keys: ${keys}`;
}

function duplicateWorkloads(list: readonly unknown[]): InventoryProblem[] {
  const problems: InventoryProblem[] = [];
  const seen = new Map<string, number>();
  list.forEach((entry, index) => {
    if (!isRecord(entry) || typeof entry.name !== 'string' || typeof entry.namespace !== 'string') {
      return;
    }
    const id = workloadId({ namespace: entry.namespace, name: entry.name });
    const first = seen.get(id);
    if (first === undefined) {
      seen.set(id, index);
      return;
    }
    problems.push({
      path: `workloads[${index}]`,
      problem: `${id} is already listed at workloads[${first}]`,
      fix: 'give each workload of a namespace its own name, or merge the two entries',
    });
  });
  return problems;
}

// A scalar YAML read as another type, named as written: `1.0, which YAML reads as the number 1`.
function describeWritten(value: unknown, written: unknown): string {
  const shown = typeof written === 'string' ? JSON.stringify(written).slice(1, -1) : undefined;
  if (value instanceof Date && shown !== undefined) return `${shown}, which YAML reads as a date`;
  if (shown === undefined || isRecord(value) || Array.isArray(value)) return describe(value);
  if (value === null) return written === '' ? 'null' : `${shown}, which YAML reads as null`;
  const type = typeof value;
  const read = String(value) === written ? `a ${type}` : `the ${type} ${String(value)}`;
  return `${shown}, which YAML reads as ${read}`;
}

// "quote it: `key: "text"`" for a scalar written unquoted; undefined for maps, lists and nulls.
function quoteFix(key: string, value: unknown, written: unknown): string | undefined {
  if (value === null || typeof written !== 'string' || written === '') return undefined;
  return `quote it: \`${key}: ${JSON.stringify(written)}\``;
}

function describe(value: unknown): string {
  if (value === undefined) return 'empty';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `the ${typeof value} ${String(value)}`;
}
