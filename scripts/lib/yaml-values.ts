// Reads values files with the types Helm gives them, so that a check here sees what Helm sees.
//
// Helm (3 and 4) reads values through a YAML 1.1 parser: unquoted y/yes/on/true (any of their
// listed spellings) are booleans, timestamps stay strings, a repeated key keeps its last value,
// and .inf/.nan make the file unreadable. js-yaml follows YAML 1.2, so this module gives it a
// schema with Helm's scalars.
//
// Reading the source also tells what the values alone cannot: a key that appears twice in one
// map, and how a key or scalar was spelled before YAML converted it (yes read as true, 1.10 as
// 1.1), so that messages can quote the file. A file with several documents (Helm 3 reads the
// first, Helm 4 merges them all) or nesting deeper than MAX_VALUES_DEPTH is refused.
//
//   import { loadValuesFile, loadValuesSource } from './lib/yaml-values.js';
//   const values = loadValuesFile('values.yaml'); // { issuer: true } for `issuer: y`
//   const { duplicateKeys, keySpellings } = loadValuesSource('values.yaml');

import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';

import yaml from 'js-yaml';

import { UsageError } from './errors.js';

export type ValuesMap = Record<string, unknown>;

/** How a key or a plain scalar was written in the file, at its value path. */
export interface ScalarSpelling {
  /** The chart's dotted value path (for a key: the path of its entry, such as a.b.true). */
  path: string;
  /** The text in the file, such as yes or 0123. */
  text: string;
  /** What YAML read it as: for a key, before Helm turned it into a string. */
  value: unknown;
  /** 1-based line. */
  line: number;
}

/** A key written twice in one map; Helm keeps the value of the last one. */
export interface DuplicateKey {
  /** The value path of the map and the key, such as authorization.policies.viewer. */
  path: string;
  key: string;
  /** 1-based lines of the first and of the repeated key. */
  firstLine: number;
  line: number;
}

/** A values file as Helm reads it, with what only its source text tells. */
export interface ValuesSource {
  file: string;
  values: ValuesMap;
  duplicateKeys: DuplicateKey[];
  /** Every map key. */
  keySpellings: ScalarSpelling[];
  /** Every plain scalar that YAML read as a number or a boolean. */
  valueSpellings: ScalarSpelling[];
}

/** Spellings by value path, from the layers in order (a later file's spelling wins). */
export interface SourceSpellings {
  keys: ReadonlyMap<string, ScalarSpelling>;
  values: ReadonlyMap<string, ScalarSpelling>;
}

/** The deepest nesting of maps and lists accepted; the chart's own values go about 10 deep. */
export const MAX_VALUES_DEPTH = 100;

/** The unquoted spellings YAML 1.1 (and so Helm) reads as booleans. */
export const YAML11_TRUE: readonly string[] = Object.freeze(
  'y Y yes Yes YES on On ON true True TRUE'.split(' '),
);
export const YAML11_FALSE: readonly string[] = Object.freeze(
  'n N no No NO off Off OFF false False FALSE'.split(' '),
);

// @types/js-yaml 4.0.9 does not declare the `types` export that js-yaml 4.1 has.
const BUILT_IN = (
  yaml as unknown as { types: Record<'null' | 'int' | 'float' | 'merge' | 'set', yaml.Type> }
).types;
const NON_FINITE_FLOAT = /^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$/;
const MERGE_TAG = 'tag:yaml.org,2002:merge';
// js-yaml opens at most two nodes per level of nesting (an entry's value and the collection read
// inside it); stopping at twice that many keeps it from overflowing the stack on absurd nesting.
const MAX_OPEN_NODES = 4 * MAX_VALUES_DEPTH;
// A scalar written with an anchor, alias or tag: its text is not the value's spelling.
const DECORATED_SCALAR = /^[&*!]/;

const YAML11_BOOL = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: unknown) =>
    typeof data === 'string' && (YAML11_TRUE.includes(data) || YAML11_FALSE.includes(data)),
  construct: (data: string) => YAML11_TRUE.includes(data),
});

// Go's parser keeps a number it cannot hold (1e400) as a string; js-yaml would make it Infinity.
const HELM_FLOAT = new yaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (data: unknown) =>
    BUILT_IN.float.resolve(data) &&
    (NON_FINITE_FLOAT.test(String(data)) || Number.isFinite(BUILT_IN.float.construct(data))),
  construct: (data: string) => BUILT_IN.float.construct(data) as number,
});

// Go decodes !!binary into the string of its bytes; js-yaml would give a Uint8Array.
const BINARY_AS_STRING = new yaml.Type('tag:yaml.org,2002:binary', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && /^[A-Za-z0-9+/=\s]*$/.test(data),
  construct: (data: string) => Buffer.from(data.replace(/\s/g, ''), 'base64').toString('utf8'),
});

/**
 * js-yaml schema with Helm's scalar types: YAML 1.1 booleans, no timestamps. Integers stay
 * js-yaml's: 017 reads as 17 where Helm reads octal 15, a number in both cases.
 */
export const HELM_VALUES_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [BUILT_IN.null, YAML11_BOOL, BUILT_IN.int, HELM_FLOAT, BUILT_IN.merge],
  explicit: [BINARY_AS_STRING, BUILT_IN.set],
});

/**
 * A values file Helm cannot read, or (helmFails false) one that Helm 3 and 4 read differently or
 * that nests too deep; `line` is 1-based when the parser knows it.
 */
export class ValuesSyntaxError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly reason: string;
  /** False when Helm reads the file but not the way the file seems to mean. */
  readonly helmFails: boolean;

  constructor(file: string, line: number | undefined, reason: string, helmFails = true) {
    super(line === undefined ? `${file}: ${reason}` : `${file}:${line}: ${reason}`);
    this.name = 'ValuesSyntaxError';
    this.file = file;
    this.line = line;
    this.reason = reason;
    this.helmFails = helmFails;
  }
}

/** Parses one values document; an empty document gives {}. Throws ValuesSyntaxError. */
export function parseValuesYaml(text: string, fileName: string): ValuesMap {
  return readValuesSource(text, fileName).values;
}

/** Parses one values document with what its source tells. Throws ValuesSyntaxError. */
export function readValuesSource(text: string, fileName: string): ValuesSource {
  const { documents, roots } = loadDocuments(text, fileName);
  assertOneDocument(documents, roots, fileName);
  const source: ValuesSource = {
    file: fileName,
    values: asValuesMap(documents[0], fileName),
    duplicateKeys: [],
    keySpellings: [],
    valueSpellings: [],
  };
  if (roots[0] !== undefined) describeNode(roots[0], '', 1, { text, fileName, source });
  assertFiniteNumbers(source.values, fileName, '');
  return source;
}

/** Reads and parses a values file; an unreadable file is a UsageError (exit code 2). */
export function loadValuesFile(file: string): ValuesMap {
  return loadValuesSource(file).values;
}

/**
 * Reads a values file with what its source tells; an unreadable file is a UsageError. A relative
 * `file` is read from `baseDir` when given (else the working directory) and named as given.
 */
export function loadValuesSource(file: string, baseDir?: string): ValuesSource {
  let text: string;
  try {
    text = readFileSync(baseDir === undefined ? file : resolvePath(baseDir, file), 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot read values file ${file}: ${reason}`);
  }
  return readValuesSource(text, file);
}

/** The spellings of layered files by value path; a later file's spelling of a path wins. */
export function layerSpellings(sources: readonly ValuesSource[]): SourceSpellings {
  const keys = new Map<string, ScalarSpelling>();
  const values = new Map<string, ScalarSpelling>();
  for (const source of sources) {
    for (const spelling of source.keySpellings) keys.set(spelling.path, spelling);
    for (const spelling of source.valueSpellings) values.set(spelling.path, spelling);
  }
  return { keys, values };
}

/** True for a YAML map (a plain object), false for lists, scalars and null. */
export function isValuesMap(value: unknown): value is ValuesMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A node js-yaml composed, with where it starts and ends in the text. */
interface SourceNode {
  start: number;
  /** 0-based, as js-yaml counts. */
  line: number;
  end: number;
  result: unknown;
  tag: string | null;
  children: SourceNode[];
}

interface WalkContext {
  text: string;
  fileName: string;
  source: ValuesSource;
}

// js-yaml's listener sees every node open and close; the nodes nest as js-yaml composes them.
function loadDocuments(
  text: string,
  fileName: string,
): { documents: unknown[]; roots: SourceNode[] } {
  const open: SourceNode[] = [];
  const roots: SourceNode[] = [];
  const listener = (event: yaml.EventType, state: yaml.State): void => {
    if (event === 'open') {
      if (open.length >= MAX_OPEN_NODES) throw tooDeep(fileName, state.line + 1);
      open.push({
        start: state.position,
        line: state.line,
        end: 0,
        result: undefined,
        tag: null,
        children: [],
      });
      return;
    }
    const node = open.pop();
    if (node === undefined) return;
    node.end = state.position;
    node.result = state.result;
    // @types/js-yaml 4.0.9 leaves out the state's tag, which js-yaml 4.1 sets.
    node.tag = (state as yaml.State & { tag: string | null }).tag;
    (open[open.length - 1]?.children ?? roots).push(node);
  };
  try {
    // json: true lets a repeated key override the earlier one, as Helm does, instead of failing.
    const options = { schema: HELM_VALUES_SCHEMA, filename: fileName, json: true, listener };
    return { documents: yaml.loadAll(text, null, options), roots };
  } catch (error) {
    throw toSyntaxError(error, fileName);
  }
}

// Helm 3 reads the first document and Helm 4 merges them all; empty ones after the first agree.
function assertOneDocument(
  documents: readonly unknown[],
  roots: readonly SourceNode[],
  fileName: string,
): void {
  if (!documents.slice(1).some((document) => document !== null && document !== undefined)) return;
  const second = roots[1];
  throw new ValuesSyntaxError(
    fileName,
    second === undefined ? undefined : second.line + 1,
    `the file holds ${documents.length} YAML documents (separated by ---); Helm 3 reads only the first while Helm 4 reads them all, so they render differently; keep one document per values file`,
    false,
  );
}

function asValuesMap(document: unknown, fileName: string): ValuesMap {
  if (document === null || document === undefined) return {};
  if (isValuesMap(document)) return document;
  const kind = Array.isArray(document) ? 'a list' : `the ${typeof document} ${String(document)}`;
  throw new ValuesSyntaxError(
    fileName,
    1,
    `the document is ${kind}; a values file must be a map of keys to values`,
  );
}

function tooDeep(fileName: string, line: number): ValuesSyntaxError {
  return new ValuesSyntaxError(
    fileName,
    line,
    `the file nests maps and lists more than ${MAX_VALUES_DEPTH} levels deep, too deep for values (this chart's nest about 10 deep); remove the extra nesting`,
    false,
  );
}

// Records the spellings and repeated keys under `node`, whose value path is `path`.
function describeNode(node: SourceNode, path: string, depth: number, context: WalkContext): void {
  const inner = unwrap(node);
  const { result } = inner;
  if (isValuesMap(result) || Array.isArray(result)) {
    if (inner.children.length === 0) return; // an alias: described where its anchor is
    if (depth > MAX_VALUES_DEPTH) throw tooDeep(context.fileName, inner.line + 1);
    if (Array.isArray(result)) describeList(inner, result, path, depth, context);
    else describeMap(inner, result, path, depth, context);
  } else if (typeof result === 'number' || typeof result === 'boolean') {
    const spelling = plainSpelling(inner, path, context.text);
    if (spelling !== undefined) context.source.valueSpellings.push(spelling);
  }
}

function describeMap(
  node: SourceNode,
  map: ValuesMap,
  path: string,
  depth: number,
  context: WalkContext,
): void {
  const entries = mapEntries(node, context.text).filter(({ key }) => key.tag !== MERGE_TAG);
  // Explicit `? key` entries pair differently; such a rare map is left undescribed.
  if (!entries.every(({ key }) => Object.hasOwn(map, String(key.result)))) return;
  const firstLines = new Map<string, number>();
  for (const { key, value } of entries) {
    const name = String(key.result);
    const entryPath = path === '' ? name : `${path}.${name}`;
    const line = key.line + 1;
    const text = context.text.slice(key.start, key.end).trim();
    context.source.keySpellings.push({ path: entryPath, text, value: key.result, line });
    const firstLine = firstLines.get(name);
    if (firstLine === undefined) firstLines.set(name, line);
    else context.source.duplicateKeys.push({ path: entryPath, key: name, firstLine, line });
    if (value !== undefined) describeNode(value, entryPath, depth + 1, context);
  }
}

function describeList(
  node: SourceNode,
  list: readonly unknown[],
  path: string,
  depth: number,
  context: WalkContext,
): void {
  // A flow list holding `key: value` pairs has more nodes than items; it is left undescribed.
  if (node.children.length !== list.length) return;
  node.children.forEach((item, index) => {
    describeNode(item, `${path}[${index}]`, depth + 1, context);
  });
}

// A mapping's nodes are its keys, each followed by its value when a ':' follows the key.
function mapEntries(node: SourceNode, text: string): { key: SourceNode; value?: SourceNode }[] {
  const entries: { key: SourceNode; value?: SourceNode }[] = [];
  for (let index = 0; index < node.children.length; index += 1) {
    const key = node.children[index] as SourceNode;
    const value = node.children[index + 1];
    if (value !== undefined && /^[ \t]*:/.test(text.slice(key.end, key.end + 80))) {
      entries.push({ key, value });
      index += 1;
    } else {
      entries.push({ key });
    }
  }
  return entries;
}

// js-yaml wraps a value that starts on the next line in a node holding the same result.
function unwrap(node: SourceNode): SourceNode {
  let current = node;
  for (;;) {
    const [only, ...others] = current.children;
    if (only === undefined || others.length > 0 || only.result !== current.result) return current;
    current = only;
  }
}

function plainSpelling(node: SourceNode, path: string, text: string): ScalarSpelling | undefined {
  const written = text.slice(node.start, node.end).trim();
  if (written === '' || DECORATED_SCALAR.test(written)) return undefined;
  return { path, text: written, value: node.result, line: node.line + 1 };
}

function toSyntaxError(error: unknown, fileName: string): Error {
  if (error instanceof ValuesSyntaxError) return error;
  if (error instanceof yaml.YAMLException) {
    const line = error.mark === undefined ? undefined : error.mark.line + 1;
    return new ValuesSyntaxError(fileName, line, error.reason);
  }
  return error instanceof Error ? error : new Error(String(error));
}

// Helm converts values to JSON, which has no .inf or .nan, and fails on the whole file.
function assertFiniteNumbers(value: unknown, fileName: string, path: string): void {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new ValuesSyntaxError(
      fileName,
      undefined,
      `${path || 'the document'} is ${String(value)}, which Helm cannot read (JSON has no such ` +
        'number); quote it to keep it as text',
    );
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => assertFiniteNumbers(item, fileName, `${path}[${index}]`));
  } else if (isValuesMap(value)) {
    for (const [key, item] of Object.entries(value)) {
      assertFiniteNumbers(item, fileName, path === '' ? key : `${path}.${key}`);
    }
  }
}
