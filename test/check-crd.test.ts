// Tests for the CRD rules of `npm run check` (scripts/lib/check/crd.ts, crd-cel-rules.ts, cel.ts):
// each CEL rule of Istio's CRDs, evaluated with @bufbuild/cel, fails its smallest triggering input
// and passes a close valid one, in v1 and v1beta1; the OpenAPI schema reports a type error; and
// the Kubernetes CEL functions the rules use (url, int, duration) behave as Go's parsers do.
//
// Run: node --import tsx --test test/check-crd.test.ts

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  compileRule,
  parseGoDuration,
  parseGoInt,
  parseGoUrlScheme,
} from '../scripts/lib/check/cel.js';
import { CRD_RULES, valuesAt } from '../scripts/lib/check/crd.js';
import { CRD_CEL_RULES } from '../scripts/lib/check/crd-cel-rules.js';
import type { IstioDocument, RuleFinding, SecurityKind } from '../scripts/lib/check/types.js';

type Json = Record<string, unknown>;

const API_VERSIONS = ['security.istio.io/v1', 'security.istio.io/v1beta1'];
const SELECTOR = { matchLabels: { app: 'api' } };
const GATEWAY_REF = { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public' };
const JWT_RULE = { issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks' };
const WITH_SELECTOR = ['AuthorizationPolicy', 'PeerAuthentication', 'RequestAuthentication'];
const WITH_TARGETS = ['AuthorizationPolicy', 'RequestAuthentication'];

/** One CEL rule: a spec it refuses (at `path`) and the closest spec it accepts. */
interface CelCase {
  code: string;
  kinds: readonly string[];
  failing: Json;
  path: string;
  passing: Json;
}

const CEL_CASES: readonly CelCase[] = [
  {
    code: 'IZT-C-CRD-SELECTOR-WITH-TARGETREFS',
    kinds: WITH_TARGETS,
    failing: { selector: SELECTOR, targetRefs: [GATEWAY_REF] },
    path: 'spec',
    passing: { selector: null, targetRefs: [GATEWAY_REF] },
  },
  {
    code: 'IZT-C-CRD-SELECTOR-WITH-TARGETREFS',
    kinds: WITH_TARGETS,
    failing: { targetRef: GATEWAY_REF, targetRefs: [GATEWAY_REF] },
    path: 'spec',
    passing: { targetRef: GATEWAY_REF },
  },
  {
    code: 'IZT-C-CRD-SERVICEACCOUNTS-WITH-IDENTITIES',
    kinds: ['AuthorizationPolicy'],
    failing: {
      rules: [{}, { from: [{ source: { serviceAccounts: ['a'], notNamespaces: ['b'] } }] }],
    },
    path: 'spec.rules[1].from[0].source',
    passing: {
      rules: [{ from: [{ source: { serviceAccounts: ['a'], ipBlocks: ['10.0.0.1'] } }] }],
    },
  },
  {
    code: 'IZT-C-CRD-LABEL-KEY-WILDCARD',
    kinds: WITH_SELECTOR,
    failing: { selector: { matchLabels: { 'app*': 'api' } } },
    path: 'spec.selector.matchLabels',
    passing: { selector: { matchLabels: { app: 'api' } } },
  },
  {
    code: 'IZT-C-CRD-LABEL-KEY-EMPTY',
    kinds: WITH_SELECTOR,
    failing: { selector: { matchLabels: { '': 'api' } } },
    path: 'spec.selector.matchLabels',
    passing: { selector: { matchLabels: {} } },
  },
  {
    code: 'IZT-C-CRD-LABEL-VALUE-WILDCARD',
    kinds: WITH_SELECTOR,
    failing: { selector: { matchLabels: { app: 'api', tier: 'web*' } } },
    path: 'spec.selector.matchLabels.tier',
    passing: { selector: { matchLabels: { app: 'api', tier: 'web' } } },
  },
  {
    code: 'IZT-C-CRD-CROSS-NAMESPACE-TARGET',
    kinds: WITH_TARGETS,
    failing: { targetRef: { ...GATEWAY_REF, namespace: 'other' } },
    path: 'spec.targetRef.namespace',
    passing: { targetRef: { ...GATEWAY_REF, namespace: '' } },
  },
  {
    code: 'IZT-C-CRD-CROSS-NAMESPACE-TARGET',
    kinds: WITH_TARGETS,
    failing: { targetRefs: [GATEWAY_REF, { ...GATEWAY_REF, namespace: 'other' }] },
    path: 'spec.targetRefs[1].namespace',
    passing: { targetRefs: [GATEWAY_REF, GATEWAY_REF] },
  },
  {
    code: 'IZT-C-CRD-PORT-MTLS-WITHOUT-SELECTOR',
    kinds: ['PeerAuthentication'],
    failing: { selector: { matchLabels: {} }, portLevelMtls: { '80': { mode: 'DISABLE' } } },
    path: 'spec',
    passing: { selector: SELECTOR, portLevelMtls: { '80': { mode: 'DISABLE' } } },
  },
  {
    code: 'IZT-C-CRD-PORT-MTLS-PORT-RANGE',
    kinds: ['PeerAuthentication'],
    failing: { selector: SELECTOR, portLevelMtls: { '65536': { mode: 'DISABLE' } } },
    path: 'spec.portLevelMtls',
    passing: { selector: SELECTOR, portLevelMtls: { '65535': { mode: 'DISABLE' } } },
  },
  {
    code: 'IZT-C-CRD-JWKS-SOURCES',
    kinds: ['RequestAuthentication'],
    failing: { jwtRules: [{ ...JWT_RULE, jwks: '{"keys":[]}' }] },
    path: 'spec.jwtRules[0]',
    passing: { jwtRules: [{ issuer: 'a', jwks: '{"keys":[]}' }] },
  },
  {
    code: 'IZT-C-CRD-JWKS-URI-SCHEME',
    kinds: ['RequestAuthentication'],
    failing: { jwtRules: [{ issuer: 'a', jwksUri: 'ftp://keys.example.com' }] },
    path: 'spec.jwtRules[0].jwksUri',
    passing: { jwtRules: [{ issuer: 'a', jwksUri: 'HTTPS://keys.example.com' }] },
  },
  {
    code: 'IZT-C-CRD-JWKS-URI-SCHEME',
    kinds: ['RequestAuthentication'],
    failing: { jwtRules: [{ issuer: 'a', jwks_uri: 'file:///keys.json' }] },
    path: 'spec.jwtRules[0].jwks_uri',
    passing: { jwtRules: [{ issuer: 'a', jwks_uri: 'http://keys.example.com:8080/k' }] },
  },
  {
    code: 'IZT-C-CRD-JWT-TIMEOUT',
    kinds: ['RequestAuthentication'],
    failing: { jwtRules: [{ ...JWT_RULE, timeout: '999us' }] },
    path: 'spec.jwtRules[0].timeout',
    passing: { jwtRules: [{ ...JWT_RULE, timeout: '1ms' }] },
  },
];

describe('CEL rules of the CRDs', () => {
  for (const { code, kinds, failing, path, passing } of CEL_CASES) {
    test(`fails ${code} at ${path} and passes the valid neighbour`, () => {
      for (const apiVersion of API_VERSIONS) {
        for (const kind of kinds) {
          const what = `${apiVersion} ${kind}`;
          assert.deepEqual(
            codesAndPaths(document(kind, failing, apiVersion)),
            [[code, path]],
            what,
          );
          assert.deepEqual(codesAndPaths(document(kind, passing, apiVersion)), [], what);
        }
      }
    });
  }

  test('has a case for every rule in the data', () => {
    const tested = new Set(CEL_CASES.map(({ code }) => code));
    const codes = Object.values(CRD_CEL_RULES).flatMap((rules) => rules.map(({ code }) => code));
    assert.deepEqual(
      [...new Set(codes)].filter((code) => !tested.has(code)),
      [],
    );
  });

  test('reports a rule that cannot be evaluated with its message and the reason', () => {
    const spec = { jwtRules: [{ ...JWT_RULE, timeout: '5' }] };
    const [finding] = findings(document('RequestAuthentication', spec));
    assert.equal(finding?.code, 'IZT-C-CRD-JWT-TIMEOUT');
    assert.equal(
      finding?.message,
      'must be a valid duration greater than 1ms (the rule cannot be evaluated: time: unknown unit "" in "5")',
    );
  });

  test('fails a port key that is not a number, which int() cannot read', () => {
    const spec = { selector: SELECTOR, portLevelMtls: { http: { mode: 'STRICT' } } };
    assert.deepEqual(codesAndPaths(document('PeerAuthentication', spec)), [
      ['IZT-C-CRD-PORT-MTLS-PORT-RANGE', 'spec.portLevelMtls'],
    ]);
  });

  test('leaves a value of the wrong type to the schema check', () => {
    const spec = { targetRef: { ...GATEWAY_REF, namespace: 7 } };
    assert.deepEqual(codesAndPaths(document('AuthorizationPolicy', spec)), [
      ['IZT-C-CRD-SCHEMA', 'spec.targetRef.namespace'],
    ]);
  });
});

describe('OpenAPI schema', () => {
  test('fails a port given as a number, naming the path, with code and fix', () => {
    const spec = { rules: [{ to: [{ operation: { ports: [8080] } }] }] };
    assert.deepEqual(findings(document('AuthorizationPolicy', spec)), [
      {
        severity: 'error',
        code: 'IZT-C-CRD-SCHEMA',
        path: 'spec.rules[0].to[0].operation.ports[0]',
        message: 'must be string',
        fix: "change the value to what Istio's CRD schema allows",
      },
    ]);
  });

  test('reports a top-level key named validate instead of crashing on it', () => {
    const doc = document('AuthorizationPolicy', { rules: [{}] });
    doc.object.validate = 1;
    assert.deepEqual(codesAndPaths(doc), [['IZT-C-CRD-UNKNOWN-FIELD', 'validate']]);
  });

  test('reports fields named like members of every object (constructor, toString) as unknown', () => {
    const spec = { constructor: 1, rules: [{ to: [{ operation: { toString: 'x', ports: ['80'] } }] }] };
    assert.deepEqual(
      codesAndPaths(document('AuthorizationPolicy', spec)).filter(([code]) => code === 'IZT-C-CRD-UNKNOWN-FIELD'),
      [
        ['IZT-C-CRD-UNKNOWN-FIELD', 'spec.constructor'],
        ['IZT-C-CRD-UNKNOWN-FIELD', 'spec.rules[0].to[0].operation.toString'],
      ],
    );
  });

  test('passes a valid document of each kind', () => {
    for (const apiVersion of API_VERSIONS) {
      assert.deepEqual(findings(document('AuthorizationPolicy', { rules: [{}] }, apiVersion)), []);
      assert.deepEqual(findings(document('PeerAuthentication', { mtls: {} }, apiVersion)), []);
      const spec = { jwtRules: [JWT_RULE] };
      assert.deepEqual(findings(document('RequestAuthentication', spec, apiVersion)), []);
    }
  });
});

describe('object metadata', () => {
  const withMetadata = (metadata: unknown): IstioDocument => {
    const doc = document('PeerAuthentication', {});
    return { ...doc, object: { ...doc.object, metadata } };
  };
  const metadataFindings = (metadata: unknown): RuleFinding[] =>
    findings(withMetadata(metadata)).filter(({ code }) => code === 'IZT-C-CRD-METADATA');

  test('says a missing name is missing, not badly formatted', () => {
    const [finding, ...others] = metadataFindings({ namespace: 'shop' });
    assert.deepEqual(others, []);
    assert.equal(finding?.path, 'metadata.name');
    assert.equal(finding?.message, 'is missing; give the object a name');
    assert.equal(finding?.fix, 'add metadata.name');
  });

  test('says metadata must be a map when it is a string', () => {
    const [finding, ...others] = metadataFindings('hello');
    assert.deepEqual(others, []);
    assert.equal(finding?.path, 'metadata');
    assert.match(finding?.message ?? '', /^is the string hello; metadata must be a map/);
    assert.match(finding?.fix ?? '', /metadata: \{name: /);
  });

  test('gives each metadata problem its own fix, and brackets keys with dots or slashes', () => {
    const found = metadataFindings({
      name: 'Api',
      namespace: 'Shop',
      labels: { 'example.com/bad key': 'a' },
      annotations: { 'bad.key/': 'a' },
    });
    assert.deepEqual(
      found.map(({ path }) => path),
      [
        'metadata.name',
        'metadata.namespace',
        'metadata.labels["example.com/bad key"]',
        'metadata.annotations["bad.key/"]',
      ],
    );
    const fixes = found.map(({ fix }) => fix);
    assert.equal(new Set(fixes.slice(0, 3)).size, 3, fixes.join('\n'));
  });
});

describe('valuesAt', () => {
  test('finds every list item and map value on a rule path, skipping null and absent ones', () => {
    const object = { spec: { a: [{ b: { x: '1', y: null } }, {}, { b: { z: '2' } }] } };
    assert.deepEqual(valuesAt(object, 'spec.a[].b.*'), [
      ['spec.a[0].b.x', '1'],
      ['spec.a[2].b.z', '2'],
    ]);
    assert.deepEqual(valuesAt(object, 'spec.missing[]'), []);
  });
});

describe('Kubernetes CEL functions', () => {
  test('url() takes what Go url.ParseRequestURI takes and getScheme() lower-cases', () => {
    assert.equal(parseGoUrlScheme('HTTPS://keys.example.com/jwks?x=1'), 'https');
    assert.equal(parseGoUrlScheme('/jwks'), '');
    assert.equal(parseGoUrlScheme('localhost:8080/jwks'), 'localhost');
    for (const text of [
      '',
      'keys.example.com/jwks',
      ':x',
      'http://h:port/',
      'http://a b/',
      'http://h/%zz',
      'http://h/\n',
    ]) {
      assert.throws(() => parseGoUrlScheme(text), /URL parse error/, JSON.stringify(text));
    }
  });

  test('int() reads decimal strings as Go strconv.ParseInt does', () => {
    assert.equal(parseGoInt('080'), 80n);
    assert.equal(parseGoInt('+5'), 5n);
    for (const text of ['0x50', ' 8', '', '9223372036854775808']) {
      assert.throws(() => parseGoInt(text), /strconv\.ParseInt/, text);
    }
  });

  test('duration() reads Go durations, both micro signs included', () => {
    assert.equal(parseGoDuration('1h30m'), 5_400_000_000_000n);
    assert.equal(parseGoDuration('1.5s'), 1_500_000_000n);
    assert.equal(parseGoDuration('250µs'), 250_000n);
    assert.equal(parseGoDuration('1000μs'), 1_000_000n);
    assert.equal(parseGoDuration('-0'), 0n);
    for (const text of ['', '5', 's', '1d', '1 s', '--1s', '.s', '3000000h']) {
      assert.throws(() => parseGoDuration(text), /time: /, text);
    }
    const rule = compileRule("duration(self) >= duration('1ms')");
    assert.equal(rule.evaluate('1000μs'), true);
    assert.equal(rule.evaluate('999999ns'), false);
  });
});

function document(kind: string, spec: Json, apiVersion = API_VERSIONS[0]!): IstioDocument {
  const metadata = { name: 'api', namespace: 'shop' };
  return {
    file: 'test.yaml',
    documentIndex: 0,
    line: 1,
    apiVersion,
    kind: kind as SecurityKind,
    namespace: 'shop',
    name: 'api',
    object: { apiVersion, kind, metadata, spec },
  };
}

function findings(doc: IstioDocument): RuleFinding[] {
  return CRD_RULES.flatMap((rule) => rule(doc));
}

function codesAndPaths(doc: IstioDocument): [string, string][] {
  return findings(doc).map(({ code, path }) => [code, path]);
}
