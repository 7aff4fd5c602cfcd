// Values are read and layered as Helm does: scripts/lib/yaml-values.ts gives YAML 1.1 scalar
// types, scripts/lib/coalesce.ts layers files over chart/values.yaml. Besides unit tests, both
// pinned Helms render `.Values` as JSON from a copy of the chart, and the result must equal ours.
// Reading the source also finds repeated keys and spellings, and refuses files that Helm 3 and
// Helm 4 read differently (several documents) or that nest absurdly deep.
//
// Run: node --import tsx --test test/values-reading.test.ts

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { coalesceValues, mergeUserLayers } from '../scripts/lib/coalesce.js';
import { pinnedHelm, type HelmMajor } from '../scripts/lib/helm.js';
import { helmTemplate } from '../scripts/lib/helm-template.js';
import { CHART_DIR, CHART_VALUES } from '../scripts/lib/paths.js';
import { chartDefaults, validateValues } from '../scripts/lib/validation.js';
import {
  layerSpellings,
  loadValuesFile,
  MAX_VALUES_DEPTH,
  parseValuesYaml,
  readValuesSource,
  ValuesSyntaxError,
  YAML11_FALSE,
  YAML11_TRUE,
} from '../scripts/lib/yaml-values.js';

const SKIP_HELM =
  process.platform === 'linux' && process.arch === 'x64'
    ? false
    : 'pinned Helm is linux-amd64 only';
const HELM_MAJORS: readonly HelmMajor[] = [3, 4];

// Every scalar form whose type YAML 1.1 and YAML 1.2 disagree on, and some they agree on. Left
// out on purpose: 017 (YAML 1.1 octal 15; js-yaml reads 17, a number either way) and .inf/.nan
// (Helm refuses the file; parseValuesYaml too, see below).
const SCALARS_YAML = `scalars:
  booleans: [${[...YAML11_TRUE, ...YAML11_FALSE].join(', ')}]
  quoted: ["yes", 'on', "n", 'off', "true"]
  lookalikes: [yEs, oN, nO, Nope, y1, "y "]
  nulls: [~, null, Null, NULL]
  empty:
  date: 2024-01-01
  timestamp: 2001-12-14t21:59:43.10-05:00
  numbers: [0x1F, 0o17, 0b101, 1_000, 1e3, 1.5, -0, +12, 12345678901234567890]
  huge: 1e400
  sexagesimal: 1:20
  binary: !!binary aGVsbG8=
  strTag: !!str yes
  boolTag: !!bool "yes"
  set: !!set {a, b}
  repeated: 1
  repeated: 2
yes: key-from-yes
8080: numeric-key
base: &base {a: 1, b: 2}
merged:
  <<: *base
  b: 3
`;

// Two documents: Helm 3 reads the first, Helm 4 merges both (the second's x wins).
const TWO_DOCUMENTS_YAML = `x: 1
nested: {a: 1}
---
x: 2
nested: {b: 2}
`;

const LAYERS_YAML: readonly string[] = [
  `commonLabels: {team: shop, tier: web}
authorization:
  defaultDeny: {dryRun: true}
  policies:
    a: {rules: [{}]}
    b: {action: DENY, rules: [{}], selector: {matchLabels: {app: x, tier: y}}}
peerAuthentication:
  workloads: {w: {mode: STRICT, selector: {matchLabels: {app: w}}}}
extra: {x: 1}
`,
  `commonLabels: {tier: null}
authorization:
  defaultDeny: {name: null}
  policies:
    a: null
    c: null
    b: {selector: {matchLabels: {tier: null}}}
peerAuthentication:
  namespace: null
  mesh: scalar replaces a map
  workloads: {w: {mode: PERMISSIVE}}
istio: {trustDomain: example.org}
extra: scalar replaces a map
global: null
`,
  `extra: {y: 2}
requestAuthentication: [a list replaces a map]
`,
];

let scratch = '';
let dumpChart = '';

before(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'values-reading-test-'));
  dumpChart = writeDumpChart(path.join(scratch, 'chart'));
});

after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('parseValuesYaml', () => {
  test('reads every unquoted YAML 1.1 boolean spelling as a boolean', () => {
    const values = parseValuesYaml(`flags: [${[...YAML11_TRUE, ...YAML11_FALSE].join(', ')}]`, 'f');
    assert.deepEqual(values.flags, [
      ...YAML11_TRUE.map(() => true),
      ...YAML11_FALSE.map(() => false),
    ]);
  });

  test('reads issuer: y as boolean true, as Helm does', () => {
    assert.deepEqual(parseValuesYaml('issuer: y\n', 'f'), { issuer: true });
  });

  test('keeps quoted booleans and other spellings as strings', () => {
    const values = parseValuesYaml('a: "yes"\nb: \'on\'\nc: yEs\nd: Nope\n', 'f');
    assert.deepEqual(values, { a: 'yes', b: 'on', c: 'yEs', d: 'Nope' });
  });

  test('keeps timestamps as strings and numbers too large for a float as text', () => {
    assert.deepEqual(parseValuesYaml('d: 2024-01-01\nh: 1e400\n', 'f'), {
      d: '2024-01-01',
      h: '1e400',
    });
  });

  test('keeps the last of repeated keys instead of failing', () => {
    assert.deepEqual(parseValuesYaml('a: 1\na: 2\n', 'f'), { a: 2 });
  });

  test('reads an empty or comment-only file as no values', () => {
    assert.deepEqual(parseValuesYaml('', 'f'), {});
    assert.deepEqual(parseValuesYaml('# nothing\n', 'f'), {});
  });

  test('fails on a YAML syntax error, naming the file and line', () => {
    assert.throws(
      () => parseValuesYaml('a: 1\nb: [1, 2\nc: 3\n', 'values.yaml'),
      (error) => {
        assert.ok(error instanceof ValuesSyntaxError);
        assert.equal(error.file, 'values.yaml');
        assert.equal(typeof error.line, 'number');
        assert.match(error.message, /^values\.yaml:\d+: /);
        return true;
      },
    );
  });

  test('fails on a document that is not a map, on line 1', () => {
    assert.throws(() => parseValuesYaml('- a\n- b\n', 'list.yaml'), {
      name: 'ValuesSyntaxError',
      message: /^list\.yaml:1: the document is a list/,
    });
  });

  test('fails on .inf and .nan, which Helm cannot read', () => {
    assert.throws(() => parseValuesYaml('a:\n  b: .inf\n', 'f.yaml'), {
      name: 'ValuesSyntaxError',
      message: /a\.b is Infinity.*quote it/,
    });
  });

  test('loadValuesFile gives a usage error for a file it cannot read', () => {
    assert.throws(() => loadValuesFile(path.join(scratch, 'missing.yaml')), {
      name: 'UsageError',
      message: /cannot read values file/,
    });
  });

  for (const major of HELM_MAJORS) {
    test(
      `gives every scalar the type and value Helm ${major} gives it`,
      { skip: SKIP_HELM },
      () => {
        const file = writeValues(`scalars-${major}.yaml`, SCALARS_YAML);
        const ours = coalesceValues(chartDefaults(), [loadValuesFile(file)]);
        assert.deepEqual(ours, helmValues(major, [file]));
      },
    );
  }
});

describe('readValuesSource', () => {
  test('reports a key written twice in one map, with its value path and both lines', () => {
    const source = readValuesSource(
      'a:\n  b: 1\n  c: 2\n  b: 3\nlist:\n  - {x: 1, x: 2}\na: {}\n',
      'f.yaml',
    );
    assert.deepEqual(source.duplicateKeys, [
      { path: 'a.b', key: 'b', firstLine: 2, line: 4 },
      { path: 'list[0].x', key: 'x', firstLine: 6, line: 6 },
      { path: 'a', key: 'a', firstLine: 1, line: 7 },
    ]);
    assert.deepEqual(source.values, { a: {}, list: [{ x: 2 }] });
  });

  test('reports no repeated key for merge keys and aliases', () => {
    const source = readValuesSource(
      'base: &base {a: 1, b: 2}\nmerged:\n  <<: *base\n  b: 3\ncopy: *base\n',
      'f.yaml',
    );
    assert.deepEqual(source.duplicateKeys, []);
  });

  test('keeps how keys and converted scalars were written, by value path and line', () => {
    const source = readValuesSource('p:\n  yes: {n: 0x1F}\nq: [1.10, "2", on]\n', 'f.yaml');
    const keys = source.keySpellings.map(({ path, text, value, line }) => [
      path,
      text,
      value,
      line,
    ]);
    assert.deepEqual(keys, [
      ['p', 'p', 'p', 1],
      ['p.true', 'yes', true, 2],
      ['p.true.false', 'n', false, 2],
      ['q', 'q', 'q', 3],
    ]);
    const values = source.valueSpellings.map(({ path, text, value }) => [path, text, value]);
    assert.deepEqual(values, [
      ['p.true.false', '0x1F', 31],
      ['q[0]', '1.10', 1.1],
      ['q[2]', 'on', true],
    ]);
  });

  test('lets a later file spell a path over an earlier one', () => {
    const first = readValuesSource('a: {yes: 1}\n', 'a.yaml');
    const second = readValuesSource('a: {"true": 1.50}\n', 'b.yaml');
    const spellings = layerSpellings([first, second]);
    assert.equal(spellings.keys.get('a.true')?.text, '"true"');
    assert.equal(spellings.values.get('a.true')?.text, '1.50');
  });

  test('refuses a file of several documents, which Helm 3 and Helm 4 read differently', () => {
    assert.throws(
      () => parseValuesYaml(TWO_DOCUMENTS_YAML, 'two.yaml'),
      (error) => {
        assert.ok(error instanceof ValuesSyntaxError);
        assert.equal(error.line, 4);
        assert.equal(error.helmFails, false);
        assert.equal(
          error.reason,
          'the file holds 2 YAML documents (separated by ---); Helm 3 reads only the first while Helm 4 reads them all, so they render differently; keep one document per values file',
        );
        return true;
      },
    );
  });

  test('reads a file with a leading --- or an empty document after the first', () => {
    assert.deepEqual(parseValuesYaml('---\na: 1\n', 'f'), { a: 1 });
    assert.deepEqual(parseValuesYaml('a: 1\n---\n', 'f'), { a: 1 });
  });

  test(`refuses nesting deeper than ${MAX_VALUES_DEPTH} levels with a clear message`, () => {
    const nestedMaps = (depth: number): string =>
      Array.from({ length: depth }, (_, level) => `${'  '.repeat(level)}k${level}:\n`).join('') +
      `${'  '.repeat(depth)}leaf: 1\n`;
    assert.doesNotThrow(() => parseValuesYaml(nestedMaps(MAX_VALUES_DEPTH - 1), 'f'));
    const tooDeep = /^the file nests maps and lists more than 100 levels deep, too deep for values/;
    for (const text of [
      nestedMaps(MAX_VALUES_DEPTH),
      `a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
    ]) {
      assert.throws(
        () => parseValuesYaml(text, 'deep.yaml'),
        (error) => {
          assert.ok(error instanceof ValuesSyntaxError, String(error));
          assert.match(error.reason, tooDeep);
          return true;
        },
      );
    }
  });

  for (const major of HELM_MAJORS) {
    test(
      `Helm ${major} reads ${major === 3 ? 'only the first document' : 'every document'} of a file`,
      { skip: SKIP_HELM },
      () => {
        const file = writeValues(`two-documents-${major}.yaml`, TWO_DOCUMENTS_YAML);
        const values = helmValues(major, [file]) as Record<string, unknown>;
        const expected =
          major === 3 ? { x: 1, nested: { a: 1 } } : { x: 2, nested: { a: 1, b: 2 } };
        assert.deepEqual({ x: values.x, nested: values.nested }, expected);
      },
    );
  }
});

describe('coalesceValues', () => {
  test('merges maps deeply and lets later files win', () => {
    const values = coalesceValues({ a: { b: 1, c: 2 } }, [{ a: { c: 3, d: 4 } }, { a: { d: 5 } }]);
    assert.deepEqual(values, { a: { b: 1, c: 3, d: 5 } });
  });

  test('lets a non-map replace a map and a map replace a non-map', () => {
    const values = coalesceValues({ a: { b: 1 }, c: 'x' }, [{ a: 'flat', c: { d: 1 } }]);
    assert.deepEqual(values, { a: 'flat', c: { d: 1 } });
  });

  test('removes a key the chart defines when a file sets it to null', () => {
    assert.deepEqual(coalesceValues({ a: { b: 1, c: 2 } }, [{ a: { b: null } }]), { a: { c: 2 } });
    const { errors } = validateValues([{ authorization: { defaultDeny: null } }]);
    assert.deepEqual(
      errors.map(({ path }) => path),
      ['authorization.defaultDeny'],
    );
  });

  test('keeps null for a key only user files set, which the chart reads as a removed entry', () => {
    const values = coalesceValues({ p: {} }, [
      { p: { a: { x: 1 }, b: { x: 2 } } },
      { p: { a: null, c: null } },
    ]);
    assert.deepEqual(values, { p: { a: null, b: { x: 2 }, c: null } });
    const layers = [
      { authorization: { policies: { a: { rules: [{}] }, b: { rules: [{}] } } } },
      { authorization: { policies: { a: null, c: null } } },
    ];
    assert.deepEqual(validateValues(layers).errors, []);
  });

  test('merges the user files first, keeping their nulls', () => {
    assert.deepEqual(mergeUserLayers([{ a: { b: 1 } }, { a: { b: null } }]), { a: { b: null } });
  });

  test('changes neither the defaults nor the layers', () => {
    const defaults = { a: { b: 1 } };
    const layer = { a: { c: null }, d: { e: 1 } };
    const values = coalesceValues(defaults, [layer]);
    (values.d as { e: number }).e = 2;
    assert.deepEqual(defaults, { a: { b: 1 } });
    assert.deepEqual(layer, { a: { c: null }, d: { e: 1 } });
  });

  for (const major of HELM_MAJORS) {
    test(
      `layers files over the chart's defaults exactly as Helm ${major} does`,
      { skip: SKIP_HELM },
      () => {
        const files = LAYERS_YAML.map((text, index) =>
          writeValues(`layer-${major}-${index}.yaml`, text),
        );
        const ours = coalesceValues(chartDefaults(), files.map(loadValuesFile));
        assert.deepEqual(ours, helmValues(major, files));
      },
    );
  }
});

// A copy of the chart whose only template prints .Values as JSON, without the schema, so any
// values render.
function writeDumpChart(dir: string): string {
  mkdirSync(path.join(dir, 'templates'), { recursive: true });
  copyFileSync(path.join(CHART_DIR, 'Chart.yaml'), path.join(dir, 'Chart.yaml'));
  copyFileSync(CHART_VALUES, path.join(dir, 'values.yaml'));
  writeFileSync(path.join(dir, 'templates', 'values.yaml'), '# {{ toJson .Values }}\n');
  return dir;
}

function helmValues(major: HelmMajor, files: readonly string[]): unknown {
  const result = helmTemplate({ helm: pinnedHelm(major), chartDir: dumpChart, valueFiles: files });
  assert.equal(result.ok, true, result.stderr);
  const line = result.stdout.split('\n').find((text) => text.startsWith('# {'));
  assert.ok(line !== undefined, result.stdout);
  return JSON.parse(line.slice(2));
}

function writeValues(name: string, text: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, text);
  return file;
}
