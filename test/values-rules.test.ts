// The cross-field rules in scripts/lib/values-rules.ts give exactly the chart's failure text
// for every case in test/golden/_error_, and pinned Helm 3 prints that same text for it, so the
// TypeScript port and chart/templates/_validate.tpl are held to each other directly. The condition
// value patterns are the same texts in _validate.tpl, values-rules.ts and values-schema.json.
//
// Run: node --import tsx --test test/values-rules.test.ts

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { pinnedHelm } from '../scripts/lib/helm.js';
import { helmTemplate } from '../scripts/lib/helm-template.js';
import { CHART_DIR, PROJECT_ROOT, SOURCE_SCHEMA } from '../scripts/lib/paths.js';
import { PATTERNS } from '../scripts/lib/schema-messages.js';
import { RULE_ERROR, validateValues } from '../scripts/lib/validation.js';
import {
  CHART_FAILURE_HEADER,
  CONDITION_VALUE_CHECKS,
  checkValuesRules,
  formatChartFailure,
  IP_OR_CIDR,
  sortedEntries,
  truthy,
} from '../scripts/lib/values-rules.js';
import { loadValuesFile } from '../scripts/lib/yaml-values.js';

const ERROR_CASES_DIR = path.join(PROJECT_ROOT, 'test', 'golden', '_error_');
const DEFAULT_CASE_NAMESPACE = 'shop';
const RELEASE = 'release';
// Helm appends this hint to a failed render; it is not part of the chart's message.
const HELM_DEBUG_HINT = /\n+Use --debug flag to render out invalid YAML\s*$/;
const SKIP_HELM =
  process.platform === 'linux' && process.arch === 'x64'
    ? false
    : 'pinned Helm is linux-amd64 only';
const VALIDATE_TEMPLATE = path.join(CHART_DIR, 'templates', '_validate.tpl');
const CONDITION_VALUES_DEFINE = 'istio-zero-trust.validateConditionValues';
// A Go interpreted string literal; these hold only \\ and \" escapes, which JSON reads alike.
const GO_STRING = '"(?:[^"\\\\]|\\\\.)*"';
// Condition keys whose values follow the rule of a schema field: key to the field's location.
const CONDITION_SCHEMA_FIELDS: Readonly<Record<string, readonly [string, string]>> = {
  'source.ip': ['source', 'ipBlocks'],
  'remote.ip': ['source', 'remoteIpBlocks'],
  'destination.ip': ['source', 'ipBlocks'],
  'destination.port': ['operation', 'ports'],
  'source.serviceAccount': ['source', 'serviceAccounts'],
  'source.principal': ['source', 'principals'],
  'source.namespace': ['source', 'namespaces'],
  'request.auth.principal': ['source', 'requestPrincipals'],
};
const IP_BLOCK_FIELDS = ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'];
// Pieces of IPv6 text; random strings of them cover every count of groups and colons.
const IPV6_PIECES = ['0', '1', 'ab', 'ffff', 'FFFF', '12345', 'g', ':', ':', ':'];
const IPV6_SAMPLES = 20_000;

interface ErrorCase {
  name: string;
  valuesFile: string;
  namespace: string;
  expected: string;
}

interface SchemaField {
  items: { pattern: string };
}
type SchemaDefinitions = Record<string, { properties: Record<string, SchemaField> }>;

const errorCases = readErrorCases();
const scratch = mkdtempSync(path.join(tmpdir(), 'values-rules-test-'));

after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('golden error cases (test/golden/_error_)', () => {
  test('has a case per rule, each with values.yaml and expected-error.txt', () => {
    assert.ok(errorCases.length >= 20, `only ${errorCases.length} cases`);
    assert.ok(errorCases.some(({ name }) => name === 'all-rules-at-once'));
  });

  for (const errorCase of errorCases) {
    test(`${errorCase.name}: the TypeScript rules give exactly expected-error.txt`, () => {
      const { errors } = validateValues([loadValuesFile(errorCase.valuesFile)], {
        namespace: errorCase.namespace,
      });
      assert.ok(errors.length > 0, 'no errors');
      assert.deepEqual(
        errors.map(({ code }) => code),
        errors.map(() => RULE_ERROR),
      );
      assert.equal(`${formatChartFailure(errors)}\n`, errorCase.expected);
    });

    test(`${errorCase.name}: Helm 3 prints exactly expected-error.txt`, { skip: SKIP_HELM }, () => {
      const result = helmTemplate({
        helm: pinnedHelm(3),
        release: RELEASE,
        namespace: errorCase.namespace,
        valueFiles: [errorCase.valuesFile],
      });
      assert.equal(result.ok, false, 'Helm rendered values the chart should reject');
      assert.equal(`${result.error.replace(HELM_DEBUG_HINT, '')}\n`, errorCase.expected);
    });
  }
});

describe('condition value patterns', () => {
  const templateChecks = readTemplateConditionChecks();
  const definitions = (
    JSON.parse(readFileSync(SOURCE_SCHEMA, 'utf8')) as { definitions: SchemaDefinitions }
  ).definitions;
  const fieldPattern = (definition: string, field: string): string | undefined =>
    definitions[definition]?.properties[field]?.items.pattern;

  test('uses one IP-or-CIDR text in values-schema.json, _validate.tpl and values-rules.ts', () => {
    const schemaTexts = IP_BLOCK_FIELDS.map((field) => fieldPattern('source', field));
    assert.deepEqual(
      schemaTexts,
      IP_BLOCK_FIELDS.map(() => IP_OR_CIDR),
    );
    for (const key of ['source.ip', 'remote.ip', 'destination.ip']) {
      assert.equal(templateChecks[key]?.[0], IP_OR_CIDR, key);
    }
    assert.ok(IP_OR_CIDR in PATTERNS, 'schema-messages.ts has no words for the IP-or-CIDR text');
  });

  test('checks the same keys with the same patterns and words in _validate.tpl and values-rules.ts', () => {
    assert.deepEqual(templateChecks, CONDITION_VALUE_CHECKS);
  });

  test('checks each key with the pattern of the schema field it stands for', () => {
    assert.deepEqual(
      Object.keys(CONDITION_VALUE_CHECKS).sort(),
      Object.keys(CONDITION_SCHEMA_FIELDS).sort(),
    );
    for (const [key, [definition, field]] of Object.entries(CONDITION_SCHEMA_FIELDS)) {
      assert.equal(CONDITION_VALUE_CHECKS[key]?.[0], fieldPattern(definition, field), key);
    }
  });

  test('accepts exactly the IPv6 addresses without an embedded IPv4 address', () => {
    const pattern = new RegExp(IP_OR_CIDR, 'u');
    const random = seededRandom(1);
    const differences: string[] = [];
    for (let sample = 0; sample < IPV6_SAMPLES; sample += 1) {
      const length = 1 + Math.floor(random() * 16);
      const text = Array.from(
        { length },
        () => IPV6_PIECES[Math.floor(random() * IPV6_PIECES.length)],
      ).join('');
      if (pattern.test(text) !== isIPv6(text)) differences.push(text);
    }
    assert.deepEqual(differences, []);
    const refused = [
      '10.0.0.1:8080',
      '::::',
      '1.2.3.4.5:6',
      '1::2::3',
      '::ffff:10.0.0.1',
      '::/129',
    ];
    assert.deepEqual(
      refused.filter((text) => pattern.test(text)),
      [],
    );
  });
});

describe('checkValuesRules', () => {
  test(
    'reports nothing when enabled is false, as Helm then renders nothing',
    { skip: SKIP_HELM },
    () => {
      const file = writeValues(
        'disabled.yaml',
        'enabled: false\nauthorization:\n  policies:\n    block: {action: DENY}\n',
      );
      const { errors } = validateValues([loadValuesFile(file)], { namespace: 'shop' });
      assert.deepEqual(errors, []);
      const result = helmTemplate({
        helm: pinnedHelm(3),
        release: RELEASE,
        namespace: 'shop',
        valueFiles: [file],
      });
      assert.equal(result.ok, true, result.stderr);
    },
  );

  test('runs only when the schema passes, as Helm checks the schema first', () => {
    const { errors } = validateValues([
      {
        commonAnnotations: { 'istio.io/dry-run': 'true' },
        authorization: { policies: { block: { action: 'DENY', rules: [] } } },
      },
    ]);
    assert.deepEqual(
      errors.map(({ code }) => code),
      ['IZT-E-SCHEMA'],
    );
  });

  test('takes the namespace from namespaceOverride before the release namespace', () => {
    const values = {
      enabled: true,
      namespaceOverride: 'istio-system',
      istio: { rootNamespace: 'istio-system' },
      peerAuthentication: {
        namespace: { enabled: true, name: 'default' },
        mesh: { enabled: true },
      },
    };
    assert.equal(checkValuesRules(values, 'shop')[0]?.path, 'peerAuthentication.mesh.enabled');
    assert.deepEqual(checkValuesRules({ ...values, namespaceOverride: '' }, 'shop'), []);
  });

  test('formats the failure as the chart does: a header line, then "- path: message" lines', () => {
    const text = formatChartFailure([
      { path: 'a.b', message: 'first; fix' },
      { path: 'c', message: 'second; fix' },
    ]);
    assert.equal(text, `${CHART_FAILURE_HEADER}\n- a.b: first; fix\n- c: second; fix`);
  });

  test('visits map keys in the byte order Go templates use', () => {
    const keys = sortedEntries({ ab: 1, 'a.b': 2, a0: 3, 'a-b': 4, B: 5 }).map(([key]) => key);
    assert.deepEqual(keys, ['B', 'a-b', 'a.b', 'a0', 'ab']);
  });

  test('treats false, 0, empty strings, lists and maps, and null as false, like Go templates', () => {
    assert.deepEqual([false, 0, '', [], {}, null, undefined].map(truthy), Array(7).fill(false));
    assert.deepEqual([true, 1, 'x', [0], { a: null }].map(truthy), Array(5).fill(true));
  });
});

function readErrorCases(): ErrorCase[] {
  return readdirSync(ERROR_CASES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map(({ name }) => {
      const dir = path.join(ERROR_CASES_DIR, name);
      const namespaceFile = path.join(dir, 'namespace.txt');
      return {
        name,
        valuesFile: path.join(dir, 'values.yaml'),
        namespace: existsSync(namespaceFile)
          ? readFileSync(namespaceFile, 'utf8').trim()
          : DEFAULT_CASE_NAMESPACE,
        expected: readFileSync(path.join(dir, 'expected-error.txt'), 'utf8'),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

// The [pattern, words] of every key in validateConditionValues, read from the template text.
function readTemplateConditionChecks(): Record<string, readonly [string, string]> {
  const template = readFileSync(VALIDATE_TEMPLATE, 'utf8');
  const start = template.indexOf(`define "${CONDITION_VALUES_DEFINE}"`);
  assert.ok(start >= 0, `${CONDITION_VALUES_DEFINE} not found`);
  const body = template.slice(start, template.indexOf('{{- end -}}\n\n', start));
  const pair = `list (${GO_STRING}) (${GO_STRING})`;
  const shared = new RegExp(`\\$ipOrCidr := ${pair}`).exec(body);
  assert.ok(shared !== null, '$ipOrCidr not found');
  const ipOrCidr = [goString(shared[1]), goString(shared[2])] as const;
  const checks: Record<string, readonly [string, string]> = {};
  const entry = new RegExp(`^\\s+(${GO_STRING}) (?:\\$ipOrCidr|\\(${pair}\\))`, 'gm');
  for (const match of body.matchAll(entry)) {
    checks[goString(match[1])] =
      match[2] === undefined ? ipOrCidr : [goString(match[2]), goString(match[3])];
  }
  return checks;
}

function goString(literal: string | undefined): string {
  return JSON.parse(literal ?? '""') as string;
}

// A small deterministic generator (xorshift32), so every run tests the same strings.
function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
}

function writeValues(name: string, text: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, text);
  return file;
}
