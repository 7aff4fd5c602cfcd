// Writes values as YAML that Helm reads back unchanged.
//
// js-yaml writes YAML 1.2, but Helm reads values with a YAML 1.1 parser (go-yaml v2), which
// turns more plain scalars into non-strings: `on`/`y`/`no` into booleans, `0X1F` and `+.5` into
// numbers, and a key `on:` into the string "true". The dump schema below teaches js-yaml Helm's
// rules, so any string Helm would read as something else is quoted, keys included.

import yaml from 'js-yaml';

// go-yaml v2 looks these up before anything else (its resolveMap).
const GO_YAML_KEYWORDS = new Set([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE'],
  ...['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE'],
  ...['~', 'null', 'Null', 'NULL', '<<'],
  ...['.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'],
  ...['-.inf', '-.Inf', '-.INF'],
]);
// Only scalars starting with one of these may be numbers; underscores are dropped first.
const NUMBER_START = /^[-+.0-9]/;
// strconv.ParseInt(s, 0, 64): Go's base prefixes in either case, or decimal/octal digits.
const GO_INTEGER = /^[-+]?(0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|[0-9]+)$/;
// go-yaml's yamlStyleFloat.
const GO_YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

const DUMP_OPTIONS: yaml.DumpOptions = {
  schema: yaml.DEFAULT_SCHEMA.extend({
    implicit: [
      // Never constructs anything: js-yaml only asks it whether a plain scalar is ambiguous.
      new yaml.Type('tag:istio-zero-trust,2025:yaml11-non-string', {
        kind: 'scalar',
        resolve: helmReadsAsNonString,
      }),
    ],
  }),
  sortKeys: true,
  lineWidth: -1,
  noRefs: true,
  quotingType: '"',
};

/** True when Helm would read `text`, written as a plain YAML scalar, as anything but a string. */
export function helmReadsAsNonString(text: string): boolean {
  if (text === '' || GO_YAML_KEYWORDS.has(text)) return true;
  if (!NUMBER_START.test(text)) return false;
  const plain = text.replaceAll('_', '');
  return GO_INTEGER.test(plain) || GO_YAML_FLOAT.test(plain);
}

/**
 * `values` as YAML with sorted keys, after `banner` lines written as comments. Keys whose value
 * is undefined are left out, as JSON.stringify does.
 */
export function valuesToYaml(values: unknown, banner: readonly string[] = []): string {
  const comments = banner.map((line) => (line === '' ? '#' : `# ${line}`)).join('\n');
  const body = yaml.dump(plainData(values), DUMP_OPTIONS);
  return comments === '' ? body : `${comments}\n${body}`;
}

/** A JSON copy of `values`: drops undefined keys and rejects what YAML cannot carry. */
export function plainData(values: unknown): unknown {
  const json = JSON.stringify(values);
  if (json === undefined) throw new Error('values must be an object, not undefined');
  return JSON.parse(json) as unknown;
}
