// Tests for scripts/lib/crd-check.ts: documents that Istio's CRDs admit pass, and each OpenAPI,
// CEL, unknown-field and metadata rule produces exactly its finding.
//
// Run: node --import tsx --test test/crd-check.test.ts

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { checkDocuments, formatFinding } from '../scripts/lib/crd-check.js';

type Json = Record<string, unknown>;

const METADATA = { name: 'api', namespace: 'shop', labels: { 'app.kubernetes.io/name': 'x' } };
const SELECTOR = { matchLabels: { app: 'api' } };
const GATEWAY_REF = { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public' };
const JWT_RULE = { issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks' };

describe('checkDocuments', () => {
  test('passes a valid document of each kind in v1 and v1beta1', () => {
    const docs = ['security.istio.io/v1', 'security.istio.io/v1beta1'].flatMap((apiVersion) => [
      { ...policy({ selector: SELECTOR, rules: [{}] }), apiVersion },
      { ...peer({ selector: SELECTOR, portLevelMtls: { '80': { mode: 'DISABLE' } } }), apiVersion },
      { ...requestAuth({ targetRefs: [GATEWAY_REF], jwtRules: [JWT_RULE] }), apiVersion },
    ]);
    assert.deepEqual(checkDocuments(docs), []);
  });

  test('skips empty documents and counts them in the index', () => {
    const findings = checkDocuments([null, policy({ action: 'PERMIT' })]);
    assert.equal(findings[0]?.index, 1);
  });

  test('names the document, kind, object, path and problem', () => {
    const [finding] = checkDocuments([policy({ action: 'PERMIT' })]);
    assert.deepEqual(finding, {
      index: 0,
      kind: 'AuthorizationPolicy',
      object: 'shop/api',
      path: 'spec.action',
      problem: 'must be equal to one of the allowed values: ALLOW, DENY, AUDIT, CUSTOM',
      code: 'IZT-C-CRD-SCHEMA',
    });
    assert.equal(
      formatFinding(finding!),
      'document 0, AuthorizationPolicy shop/api: spec.action: ' +
        'must be equal to one of the allowed values: ALLOW, DENY, AUDIT, CUSTOM',
    );
  });

  test('fails a document that is not a security.istio.io policy', () => {
    assert.deepEqual(problems([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: METADATA }]), [
      'not a security.istio.io v1 or v1beta1 policy (apiVersion v1)',
    ]);
    assert.deepEqual(problems(['text']), ['not a Kubernetes object (a YAML mapping)']);
  });
});

describe('OpenAPI schema (@kubernetes-models/istio)', () => {
  test('fails a port given as a number', () => {
    const doc = policy({ rules: [{ to: [{ operation: { ports: [8080] } }] }] });
    assert.deepEqual(pathsAndProblems([doc]), [
      ['spec.rules[0].to[0].operation.ports[0]', 'must be string'],
    ]);
  });

  test('fails an unknown mTLS mode under a port key', () => {
    const doc = peer({ selector: SELECTOR, portLevelMtls: { '8080': { mode: 'OFF' } } });
    assert.deepEqual(pathsAndProblems([doc]), [
      [
        'spec.portLevelMtls.8080.mode',
        'must be equal to one of the allowed values: UNSET, DISABLE, PERMISSIVE, STRICT',
      ],
    ]);
  });

  test('fails an outputClaimToHeaders header that is not a header name', () => {
    const rule = { ...JWT_RULE, outputClaimToHeaders: [{ header: ':authority', claim: 'sub' }] };
    assert.deepEqual(problems([requestAuth({ jwtRules: [rule] })]), [
      'must match pattern "^[-_A-Za-z0-9]+$"',
    ]);
  });

  test('fails bad values in fields newer than the package: trustDomains and presence', () => {
    const source = { trustDomains: [1], notTrustDomains: 'cluster.local' };
    const docs = [
      policy({ rules: [{ from: [{ source }] }] }),
      requestAuth({ jwtRules: [{ ...JWT_RULE, presence: 'ALWAYS' }] }),
    ];
    assert.deepEqual(pathsAndProblems(docs), [
      ['spec.rules[0].from[0].source.trustDomains', 'must be a list of strings'],
      ['spec.rules[0].from[0].source.notTrustDomains', 'must be a list of strings'],
      ['spec.jwtRules[0].presence', 'must be equal to one of the allowed values: OPTIONAL, REQUIRED'],
    ]);
  });
});

describe('fields and metadata', () => {
  test('fails a field the CRD does not declare, such as a chart-only key', () => {
    const doc = policy({ rules: [{ from: [{ source: { workloadIdentities: [] } }] }] });
    assert.deepEqual(pathsAndProblems([doc]), [
      ['spec.rules[0].from[0].source.workloadIdentities', 'field not declared in the schema'],
    ]);
  });

  test('passes user-owned map keys and the newer CRD fields', () => {
    const source = { trustDomains: ['cluster.local'], notTrustDomains: ['old.example.com'] };
    const rule = { ...JWT_RULE, spaceDelimitedClaims: ['roles'], timeout: '5s' };
    const docs = [
      policy({ selector: { matchLabels: { 'any-key': 'v' } }, rules: [{ from: [{ source }] }] }),
      requestAuth({ jwtRules: [rule] }),
    ];
    assert.deepEqual(problems(docs), []);
  });

  test('fails a name, namespace or label the API server rejects', () => {
    const metadata = {
      name: 'Not_A_Name',
      namespace: 'Shop',
      labels: { 'a b': 'ok', team: 'yes: no' },
      annotations: { 'bad key!': 'v' },
    };
    assert.deepEqual(pathsAndProblems([{ ...policy({}), metadata }]), [
      ['metadata.name', 'must be a lower-case DNS subdomain of at most 253 characters'],
      ['metadata.namespace', 'must be a lower-case DNS label of at most 63 characters'],
      ['metadata.labels.a b', 'invalid label key'],
      [
        'metadata.labels.team',
        'invalid label value: at most 63 characters, alphanumeric at both ends, - _ . inside',
      ],
      ['metadata.annotations.bad key!', 'invalid annotation key'],
    ]);
  });
});

describe('CEL rules', () => {
  test('fails a wildcard in a label key or value and an empty label key', () => {
    const selector = { matchLabels: { 'app*': 'x', '': 'y', tier: 'web*' } };
    const jwt = requestAuth({ selector, jwtRules: [JWT_RULE] });
    for (const doc of [policy({ selector }), peer({ selector }), jwt]) {
      assert.deepEqual(problems([doc]), [
        'wildcard not allowed in label key match',
        'key must not be empty',
        'wildcard not allowed in label value match',
      ]);
    }
  });

  test('fails selector together with targetRefs or targetRef', () => {
    for (const spec of [
      { selector: SELECTOR, targetRefs: [GATEWAY_REF] },
      { selector: SELECTOR, targetRef: GATEWAY_REF },
      { targetRef: GATEWAY_REF, targetRefs: [GATEWAY_REF] },
    ]) {
      assert.deepEqual(problems([policy(spec)]), ['only one of targetRefs or selector can be set']);
      const jwt = requestAuth({ ...spec, jwtRules: [JWT_RULE] });
      assert.deepEqual(problems([jwt]), ['only one of targetRefs or selector can be set']);
    }
  });

  test('passes null for one side, which the API server drops before validating', () => {
    assert.deepEqual(problems([policy({ selector: null, targetRefs: [GATEWAY_REF] })]), []);
  });

  test('fails a target in another namespace', () => {
    const doc = policy({ targetRefs: [GATEWAY_REF, { ...GATEWAY_REF, namespace: 'other' }] });
    assert.deepEqual(pathsAndProblems([doc]), [
      ['spec.targetRefs[1].namespace', 'cross namespace referencing is not currently supported'],
    ]);
  });

  test('fails serviceAccounts next to principals or namespaces in one source', () => {
    for (const other of ['principals', 'notPrincipals', 'namespaces', 'notNamespaces']) {
      const source = { notServiceAccounts: ['shop/a'], [other]: ['x'] };
      const from = [{ source: { ipBlocks: ['10.0.0.1'] } }, { source }];
      const doc = policy({ rules: [{}, { from }] });
      const problem = 'Cannot set serviceAccounts with namespaces or principals';
      assert.deepEqual(pathsAndProblems([doc]), [['spec.rules[1].from[1].source', problem]]);
    }
    const alone = { serviceAccounts: ['a'], ipBlocks: ['10.0.0.1'] };
    assert.deepEqual(problems([policy({ rules: [{ from: [{ source: alone }] }] })]), []);
  });

  test('fails portLevelMtls keys outside 1-65535, once for the map the rule sits on', () => {
    for (const port of ['0', '65536', 'http']) {
      const portLevelMtls = { [port]: { mode: 'STRICT' }, '8080': { mode: 'STRICT' } };
      assert.deepEqual(
        pathsAndProblems([peer({ selector: SELECTOR, portLevelMtls })]).map(withoutDetail),
        [['spec.portLevelMtls', 'port must be between 1-65535']],
        port,
      );
    }
    const portLevelMtls = { '080': { mode: 'STRICT' }, '65535': { mode: 'STRICT' } };
    assert.deepEqual(problems([peer({ selector: SELECTOR, portLevelMtls })]), []);
  });

  test('fails portLevelMtls without a selector that has labels', () => {
    const portLevelMtls = { '8080': { mode: 'DISABLE' } };
    for (const selector of [undefined, {}, { matchLabels: {} }]) {
      const doc = peer({ selector, portLevelMtls });
      assert.deepEqual(problems([doc]), ['portLevelMtls requires selector']);
    }
  });

  test('fails a jwksUri or jwks_uri without an http or https scheme', () => {
    const rules = [
      { issuer: 'a', jwksUri: 'ftp://keys.example.com' },
      { issuer: 'b', jwks_uri: 'keys.example.com/jwks' },
      { issuer: 'c', jwksUri: 'HTTPS://keys.example.com' },
    ];
    assert.deepEqual(pathsAndProblems([requestAuth({ jwtRules: rules })]).map(withoutDetail), [
      ['spec.jwtRules[1].jwks_uri', 'url must have scheme http:// or https://'],
      ['spec.jwtRules[0].jwksUri', 'url must have scheme http:// or https://'],
    ]);
  });

  test('fails a timeout below 1ms or not a Go duration', () => {
    const rules = ['999us', '5', '1ms', '0.5s'].map((timeout) => ({ ...JWT_RULE, timeout }));
    assert.deepEqual(pathsAndProblems([requestAuth({ jwtRules: rules })]).map(withoutDetail), [
      ['spec.jwtRules[0].timeout', 'must be a valid duration greater than 1ms'],
      ['spec.jwtRules[1].timeout', 'must be a valid duration greater than 1ms'],
    ]);
  });

  test('fails more than one of jwks, jwksUri and jwks_uri in a rule', () => {
    const rules = [
      { ...JWT_RULE, jwks: '{"keys":[]}' },
      { issuer: 'a', jwksUri: 'https://a', jwks_uri: 'https://a' },
      { issuer: 'b', jwks: '{"keys":[]}' },
    ];
    assert.deepEqual(pathsAndProblems([requestAuth({ jwtRules: rules })]), [
      ['spec.jwtRules[0]', 'only one of jwks or jwksUri can be set'],
      ['spec.jwtRules[1]', 'only one of jwks or jwksUri can be set'],
    ]);
  });
});

function policy(spec: Json): Json {
  return resource('AuthorizationPolicy', spec);
}

function peer(spec: Json): Json {
  return resource('PeerAuthentication', spec);
}

function requestAuth(spec: Json): Json {
  return resource('RequestAuthentication', spec);
}

function resource(kind: string, spec: Json): Json {
  return { apiVersion: 'security.istio.io/v1', kind, metadata: METADATA, spec };
}

function problems(docs: unknown[]): string[] {
  return checkDocuments(docs).map((finding) => finding.problem);
}

function pathsAndProblems(docs: unknown[]): [string, string][] {
  return checkDocuments(docs).map((finding) => [finding.path, finding.problem]);
}

// A rule that cannot be evaluated (such as int('http')) adds why in parentheses.
function withoutDetail([path, problem]: [string, string]): [string, string] {
  return [path, problem.replace(/ \(the rule cannot be evaluated: .*\)$/, '')];
}
