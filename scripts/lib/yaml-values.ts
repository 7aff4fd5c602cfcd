// Reads values files with the types Helm gives them, so that a check here sees what Helm sees.
//
// Helm (3 and 4) reads values through a YAML 1.1 parser: unquoted y/yes/on/true (any of their
// listed spellings) are booleans, timestamps stay strings, a repeated key keeps its last value,
// and .inf/.nan make the file unreadable. js-yaml follows YAML 1.2, so this module gives it a
// schema with Helm's scalars.
//
//   import { loadValuesFile, parseValuesYaml } from './lib/yaml-values.js';
//   const values = loadValuesFile('values.yaml'); // { issuer: true } for `issuer: y`

import { readFileSync } from 'node:fs';

import yaml from 'js-yaml';

import { UsageError } from './errors.js';

export type ValuesMap = Record<string, unknown>;

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

/** A values file Helm cannot read; `line` is 1-based when the parser knows it. */
export class ValuesSyntaxError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly reason: string;

  constructor(file: string, line: number | undefined, reason: string) {
    super(line === undefined ? `${file}: ${reason}` : `${file}:${line}: ${reason}`);
    this.name = 'ValuesSyntaxError';
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}

/** Parses one values document; an empty document gives {}. Throws ValuesSyntaxError. */
export function parseValuesYaml(text: string, fileName: string): ValuesMap {
  let document: unknown;
  try {
    // json: true lets a repeated key override the earlier one, as Helm does, instead of failing.
    document = yaml.load(text, { schema: HELM_VALUES_SCHEMA, filename: fileName, json: true });
  } catch (error) {
    throw toSyntaxError(error, fileName);
  }
  if (document === null || document === undefined) return {};
  if (!isValuesMap(document)) {
    const kind = Array.isArray(document) ? 'a list' : `the ${typeof document} ${String(document)}`;
    throw new ValuesSyntaxError(
      fileName,
      1,
      `the document is ${kind}; a values file must be a map of keys to values`,
    );
  }
  assertFiniteNumbers(document, fileName, '');
  return document;
}

/** Reads and parses a values file; an unreadable file is a UsageError (exit code 2). */
export function loadValuesFile(file: string): ValuesMap {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot read values file ${file}: ${reason}`);
  }
  return parseValuesYaml(text, file);
}

/** True for a YAML map (a plain object), false for lists, scalars and null. */
export function isValuesMap(value: unknown): value is ValuesMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toSyntaxError(error: unknown, fileName: string): Error {
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
