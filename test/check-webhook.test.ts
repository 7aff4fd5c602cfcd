// Tests for scripts/lib/check/webhook.ts: each istiod webhook rule fires on the smallest document
// that breaks it and stays quiet on the nearest one that does not; then the value checks that
// mirror Go (booleans, IPs, ports, durations, URLs, JWKS) on their edge cases.
//
// Run: node --import tsx --test test/check-webhook.test.ts

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { IstioDocument, RuleFinding, SecurityKind } from '../scripts/lib/check/types.js';
import { WEBHOOK_RULES } from '../scripts/lib/check/webhook.js';

type Json = Record<string, unknown>;

const SELECTOR = { matchLabels: { app: 'api' } };
const SERVICE_REF = { kind: 'Service', name: 'api' };
const JWT = { issuer: 'https://auth.example.com' };
// A public RSA key (from Istio's tests) and the same key with a private exponent.
const RSA_PUBLIC = {
  kty: 'RSA',
  e: 'AQAB',
  n: 'xAE7eB6qugXyCAG3yhh7pkDkT65pHymX-P7KfIupjf59vsdo91bSP9C8',
};
const RSA_PRIVATE = { ...RSA_PUBLIC, d: 'AQAB' };

interface RuleCase {
  name: string;
  behaviour: string;
  severity?: 'error' | 'warning';
  fails: IstioDocument;
  passes: IstioDocument;
}

const RULE_CASES: RuleCase[] = [
  {
    name: 'DRY-RUN-UNSUPPORTED-KIND',
    behaviour: 'fails when a PeerAuthentication carries the dry-run annotation',
    fails: peer({}, { 'istio.io/dry-run': 'true' }),
    passes: policy({}, { 'istio.io/dry-run': 'true' }),
  },
  {
    name: 'INTERNAL-ANNOTATION',
    behaviour: 'fails on an internal.istio.io control annotation',
    fails: policy({}, { 'internal.istio.io/parent-namespace': 'x' }),
    passes: policy({}, { 'internal.istio.io/other': 'x' }),
  },
  {
    name: 'SELECTOR-EMPTY-LABEL-KEY',
    behaviour: 'fails on a selector label with an empty key',
    fails: peer({ selector: { matchLabels: { '': 'x' } } }),
    passes: peer({ selector: { matchLabels: { app: '' } } }),
  },
  {
    name: 'SELECTOR-WILDCARD',
    behaviour: "fails on '*' in a selector label value",
    fails: requestAuth({ selector: { matchLabels: { app: 'api-*' } } }),
    passes: requestAuth({ selector: SELECTOR }),
  },
  {
    name: 'SELECTOR-WITHOUT-LABELS',
    behaviour: 'warns on selector: {}',
    severity: 'warning',
    fails: peer({ selector: {} }),
    passes: peer({ selector: null }),
  },
  {
    name: 'UNKNOWN-ENUM',
    behaviour: 'fails on an mTLS mode istiod cannot decode',
    fails: peer({ mtls: { mode: 'strict' } }),
    passes: peer({ mtls: { mode: 'STRICT' } }),
  },
  {
    name: 'SELECTOR-WITH-TARGETREFS',
    behaviour: 'fails when selector: {} and targetRefs are both set',
    fails: policy({ selector: {}, targetRefs: [SERVICE_REF] }),
    passes: policy({ selector: SELECTOR, targetRefs: [] }),
  },
  {
    name: 'TARGETREF-WITHOUT-NAME',
    behaviour: 'fails on a targetRef without name',
    fails: requestAuth({ targetRef: { kind: 'Service' } }),
    passes: requestAuth({ targetRef: SERVICE_REF }),
  },
  {
    name: 'TARGETREF-NAMESPACE',
    behaviour: 'fails on a cross-namespace targetRef',
    fails: policy({ targetRefs: [{ ...SERVICE_REF, namespace: 'other' }] }),
    passes: policy({ targetRefs: [{ ...SERVICE_REF, namespace: '' }] }),
  },
  {
    name: 'TARGETREF-UNSUPPORTED-KIND',
    behaviour: 'fails on a targetRef to a Deployment',
    fails: policy({ targetRefs: [{ group: 'apps', kind: 'Deployment', name: 'api' }] }),
    passes: policy({ targetRefs: [{ group: 'core', kind: 'Service', name: 'api' }] }),
  },
  {
    name: 'DRY-RUN-INVALID-VALUE',
    behaviour: 'fails when the dry-run annotation is not a Go boolean',
    fails: policy({}, { 'istio.io/dry-run': 'yes' }),
    passes: policy({}, { 'istio.io/dry-run': 'T' }),
  },
  {
    name: 'DRY-RUN-UNSUPPORTED-ACTION',
    behaviour: 'fails on dry-run with action AUDIT',
    fails: policy({ action: 'AUDIT' }, { 'istio.io/dry-run': 'true' }),
    passes: policy({ action: 'DENY', rules: [{}] }, { 'istio.io/dry-run': 'true' }),
  },
  {
    name: 'CUSTOM-WITHOUT-RULES',
    behaviour: 'fails on CUSTOM with rules: []',
    fails: policy({ action: 'CUSTOM', provider: { name: 'ext' }, rules: [] }),
    passes: policy({ action: 'CUSTOM', provider: { name: 'ext' }, rules: [{}] }),
  },
  {
    name: 'CUSTOM-WITHOUT-PROVIDER',
    behaviour: 'fails on CUSTOM with an empty provider name',
    fails: policy({ action: 'CUSTOM', provider: { name: '' }, rules: [{}] }),
    passes: policy({ action: 'CUSTOM', provider: { name: 'ext' }, rules: [{}] }),
  },
  {
    name: 'CUSTOM-UNSUPPORTED-FIELD',
    behaviour: 'fails on a request.auth.* condition in a CUSTOM rule',
    fails: policy({
      action: 'CUSTOM',
      provider: { name: 'e' },
      rules: [when('request.auth.presenter', ['a'])],
    }),
    passes: policy({
      action: 'CUSTOM',
      provider: { name: 'e' },
      rules: [when('source.ip', ['1.2.3.4'])],
    }),
  },
  {
    name: 'PROVIDER-WITHOUT-CUSTOM',
    behaviour: 'fails on provider: {} without action CUSTOM',
    fails: policy({ provider: {} }),
    passes: policy({ provider: null }),
  },
  {
    name: 'DENY-WITHOUT-RULES',
    behaviour: 'fails on DENY with rules: [] (decoded as no rules)',
    fails: policy({ action: 'DENY', rules: [] }),
    passes: policy({ action: 'DENY', rules: [{}] }),
  },
  {
    name: 'EMPTY-FROM-OR-TO',
    behaviour: 'fails on from: []',
    fails: policy({ rules: [{ from: [] }] }),
    passes: policy({ rules: [{ from: null }] }),
  },
  {
    name: 'FROM-WITHOUT-SOURCE',
    behaviour: 'fails on a null from entry',
    fails: policy({ rules: [{ from: [null] }] }),
    passes: policy({ rules: [source({ namespaces: ['a'] })] }),
  },
  {
    name: 'TO-WITHOUT-OPERATION',
    behaviour: 'fails on a to entry without operation',
    fails: policy({ rules: [{ to: [{}] }] }),
    passes: policy({ rules: [operation({ paths: ['/a'] })] }),
  },
  {
    name: 'EMPTY-SOURCE',
    behaviour: 'fails on a source whose only list is empty',
    fails: policy({ rules: [source({ principals: [] })] }),
    passes: policy({ rules: [source({ trustDomains: ['td'] })] }),
  },
  {
    name: 'EMPTY-OPERATION',
    behaviour: 'fails on operation: {}',
    fails: policy({ rules: [operation({})] }),
    passes: policy({ rules: [operation({ notHosts: ['a'] })] }),
  },
  {
    name: 'SERVICE-ACCOUNTS-WITH-PRINCIPALS',
    behaviour: 'fails on serviceAccounts with notPrincipals in one source',
    fails: policy({ rules: [source({ serviceAccounts: ['sa'], notPrincipals: ['p'] })] }),
    passes: policy({ rules: [source({ serviceAccounts: ['sa'], principals: [] })] }),
  },
  {
    name: 'EMPTY-VALUE',
    behaviour: 'fails on an empty string in when.notValues',
    fails: policy({ rules: [{ when: [{ key: 'connection.sni', notValues: [''] }] }] }),
    passes: policy({ rules: [{ when: [{ key: 'connection.sni', notValues: ['a'] }] }] }),
  },
  {
    name: 'INVALID-IP',
    behaviour: 'fails on a wildcard in ipBlocks',
    fails: policy({ rules: [source({ ipBlocks: ['10.0.0.*'] })] }),
    passes: policy({ rules: [source({ ipBlocks: ['10.0.0.0/8', '::1'] })] }),
  },
  {
    name: 'INVALID-PORT',
    behaviour: 'fails on a port above 65535',
    fails: policy({ rules: [operation({ ports: ['65536'] })] }),
    passes: policy({ rules: [operation({ ports: ['0', '65535'] })] }),
  },
  {
    name: 'SERVICE-ACCOUNTS-TOO-MANY',
    behaviour: 'fails on 17 service accounts in one list',
    fails: policy({ rules: [source({ serviceAccounts: numbered('sa', 17) })] }),
    passes: policy({ rules: [source({ serviceAccounts: numbered('sa', 16) })] }),
  },
  {
    name: 'SERVICE-ACCOUNT-FORMAT',
    behaviour: "fails on a service account with two '/'",
    fails: policy({ rules: [source({ notServiceAccounts: ['a/b/c'] })] }),
    passes: policy({ rules: [source({ notServiceAccounts: ['a/b'] })] }),
  },
  {
    name: 'TRUST-DOMAIN-WILDCARD',
    behaviour: "fails on a '*' inside a trust domain",
    fails: policy({ rules: [source({ trustDomains: ['a*b'] })] }),
    passes: policy({ rules: [source({ trustDomains: ['*.b'] })] }),
  },
  {
    name: 'TRUST-DOMAIN-SLASH',
    behaviour: "fails on '/' in trustDomains",
    fails: policy({ rules: [source({ trustDomains: ['a/b'] })] }),
    passes: policy({ rules: [when('source.trustDomain', ['a/b'])] }),
  },
  {
    name: 'INVALID-PATH-TEMPLATE',
    behaviour: "fails on '{' outside a template even without one",
    fails: policy({ rules: [operation({ notPaths: ['/a{b}'] })] }),
    passes: policy({ rules: [operation({ notPaths: ['/{**}/a', 'a*b?'] })] }),
  },
  {
    name: 'WHEN-EMPTY-KEY',
    behaviour: 'fails on a condition with an empty key',
    fails: policy({ rules: [when('', ['a'])] }),
    passes: policy({ rules: [when('request.auth.audiences', ['a'])] }),
  },
  {
    name: 'WHEN-WITHOUT-VALUES',
    behaviour: 'fails on a condition with only values: []',
    fails: policy({ rules: [when('connection.sni', [])] }),
    passes: policy({ rules: [{ when: [{ key: 'connection.sni', notValues: ['a'] }] }] }),
  },
  {
    name: 'WHEN-UNKNOWN-KEY',
    behaviour: 'fails on a key that differs only in case',
    fails: policy({ rules: [when('Source.ip', ['1.2.3.4'])] }),
    passes: policy({ rules: [when('source.ip', ['1.2.3.4'])] }),
  },
  {
    name: 'WHEN-RETIRED-KEY',
    behaviour: 'fails on destination.user',
    fails: policy({ rules: [when('destination.user', ['a'])] }),
    passes: policy({ rules: [when('destination.port', ['80'])] }),
  },
  {
    name: 'WHEN-KEY-FORMAT',
    behaviour: 'fails on request.headers without a bracketed name',
    fails: policy({ rules: [when('request.headers', ['a'])] }),
    passes: policy({ rules: [when('request.auth.claims[groups][0]', ['a'])] }),
  },
  {
    name: 'DENY-HTTP-ONLY',
    behaviour: 'warns on a DENY rule whose only source field is trustDomains',
    severity: 'warning',
    fails: policy({ action: 'DENY', rules: [source({ trustDomains: ['td'] })] }),
    passes: policy({ action: 'DENY', rules: [source({ notIpBlocks: ['10.0.0.1'] })] }),
  },
  {
    name: 'PORT-LEVEL-MTLS-WITHOUT-SELECTOR',
    behaviour: 'fails on portLevelMtls without a selector',
    fails: peer({ portLevelMtls: { '80': { mode: 'DISABLE' } } }),
    passes: peer({ selector: SELECTOR, portLevelMtls: { '80': { mode: 'DISABLE' } } }),
  },
  {
    name: 'PORT-LEVEL-MTLS-EMPTY',
    behaviour: 'fails on portLevelMtls: {}',
    fails: peer({ selector: SELECTOR, portLevelMtls: {} }),
    passes: peer({ selector: SELECTOR, portLevelMtls: null }),
  },
  {
    name: 'PORT-LEVEL-MTLS-PORT',
    behaviour: 'fails on a port key with a leading zero (not a JSON number)',
    fails: peer({ selector: SELECTOR, portLevelMtls: { '080': {} } }),
    passes: peer({ selector: SELECTOR, portLevelMtls: { '65535': {} } }),
  },
  {
    name: 'JWT-WITHOUT-ISSUER',
    behaviour: 'fails on a JWT rule with only jwks',
    fails: requestAuth({ jwtRules: [{ jwks: JSON.stringify({ keys: [] }) }] }),
    passes: requestAuth({ jwtRules: [{ jwks_uri: 'https://a.example/jwks' }] }),
  },
  {
    name: 'JWKS-URI-INVALID',
    behaviour: 'fails on a jwksUri with a named port',
    fails: requestAuth({ jwtRules: [{ ...JWT, jwksUri: 'https://a.example:https/jwks' }] }),
    passes: requestAuth({ jwtRules: [{ ...JWT, jwksUri: 'HTTPS://a.example:8443/jwks' }] }),
  },
  {
    name: 'JWKS-INVALID',
    behaviour: 'fails on a JWKS key without its modulus',
    fails: requestAuth({
      jwtRules: [{ ...JWT, jwks: JSON.stringify({ keys: [{ kty: 'RSA', e: 'AQAB' }] }) }],
    }),
    passes: requestAuth({ jwtRules: [{ ...JWT, jwks: JSON.stringify(RSA_PUBLIC) }] }),
  },
  {
    name: 'JWKS-PRIVATE-KEY',
    behaviour: 'warns on a JWKS key with a private exponent',
    severity: 'warning',
    fails: requestAuth({ jwtRules: [{ ...JWT, jwks: JSON.stringify({ keys: [RSA_PRIVATE] }) }] }),
    passes: requestAuth({ jwtRules: [{ ...JWT, jwks: JSON.stringify({ keys: [RSA_PUBLIC] }) }] }),
  },
  {
    name: 'JWT-EMPTY-AUDIENCE',
    behaviour: 'fails on an empty audience',
    fails: requestAuth({ jwtRules: [{ ...JWT, audiences: [''] }] }),
    passes: requestAuth({ jwtRules: [{ ...JWT, audiences: ['api'] }] }),
  },
  {
    name: 'JWT-EMPTY-TOKEN-LOCATION',
    behaviour: 'fails on an empty cookie name',
    fails: requestAuth({ jwtRules: [{ ...JWT, fromCookies: [''] }] }),
    passes: requestAuth({ jwtRules: [{ ...JWT, fromHeaders: [{ name: 'x-jwt', prefix: '' }] }] }),
  },
  {
    name: 'CLAIM-TO-HEADER-EMPTY',
    behaviour: 'fails on an outputClaimToHeaders entry without claim',
    fails: requestAuth({ jwtRules: [{ ...JWT, outputClaimToHeaders: [{ header: 'x-sub' }] }] }),
    passes: requestAuth({
      jwtRules: [{ ...JWT, outputClaimToHeaders: [{ header: 'x-sub', claim: 'sub' }] }],
    }),
  },
  {
    name: 'CLAIM-TO-HEADER-NAME',
    behaviour: "fails on '%' in a claim header name",
    fails: requestAuth({
      jwtRules: [{ ...JWT, outputClaimToHeaders: [{ header: 'x%y', claim: 'sub' }] }],
    }),
    passes: requestAuth({
      jwtRules: [{ ...JWT, outputClaimToHeaders: [{ header: 'X_y-1', claim: 'sub' }] }],
    }),
  },
  {
    name: 'JWT-TIMEOUT-INVALID',
    behaviour: 'fails on a timeout under 1ms',
    fails: requestAuth({ jwtRules: [{ ...JWT, timeout: '999us' }] }),
    passes: requestAuth({ jwtRules: [{ ...JWT, timeout: '1ms' }] }),
  },
  {
    name: 'JWT-TIMEOUT-PRECISION',
    behaviour: 'fails on a timeout of 1.5ms',
    fails: requestAuth({ jwtRules: [{ ...JWT, timeout: '1.5ms' }] }),
    passes: requestAuth({ jwtRules: [{ ...JWT, timeout: '0.0015h' }] }),
  },
];

describe('webhook rules', () => {
  test('every rule has a case here, and every code is distinct', () => {
    const names = RULE_CASES.map(({ name }) => name);
    assert.equal(new Set(names).size, names.length);
    assert.equal(names.length, WEBHOOK_RULES.length);
  });

  for (const { name, behaviour, severity = 'error', fails, passes } of RULE_CASES) {
    test(`IZT-C-WH-${name} ${behaviour}`, () => {
      const code = `IZT-C-WH-${name}`;
      const found = findings(fails).filter((finding) => finding.code === code);
      assert.ok(found.length > 0, `expected ${code}, got ${codes(fails)}`);
      for (const finding of found) {
        assert.equal(finding.severity, severity);
        assert.match(finding.path, /^(spec|metadata)\b/);
        assert.ok(finding.message.length > 0 && !finding.message.includes('\n'));
        assert.ok(finding.fix.length > 0 && !finding.fix.includes('\n'));
      }
      assert.ok(!codes(passes).includes(code), `unexpected ${code}`);
    });
  }
});

describe('webhook value checks', () => {
  test('accepts every Go boolean spelling for dry-run and refuses others', () => {
    for (const value of ['1', '0', 't', 'f', 'T', 'F', 'TRUE', 'FALSE', 'True', 'False']) {
      assert.deepEqual(codes(policy({}, { 'istio.io/dry-run': value })), [], value);
    }
    for (const value of ['yes', 'on', 'tRuE', '', ' true']) {
      assert.deepEqual(codes(policy({}, { 'istio.io/dry-run': value })), [
        'IZT-C-WH-DRY-RUN-INVALID-VALUE',
      ]);
    }
  });

  test('reads IPs and CIDRs the way Go netip does', () => {
    const valid = [
      '1.2.3.4',
      '5.6.7.1/24',
      '::',
      '::ffff:1.2.3.4',
      '1:2:3:4:5:6:1.2.3.4',
      'fe80::1%eth0',
    ];
    const invalid = [
      '01.2.3.4',
      '1.2.3',
      '1.2.3.4/33',
      '1.2.3.4/08',
      'fe80::1%eth0/64',
      '1::2::3',
      'a.b.c.d',
    ];
    for (const ip of valid) assert.deepEqual(ipCodes(ip), [], ip);
    for (const ip of invalid) assert.deepEqual(ipCodes(ip), ['IZT-C-WH-INVALID-IP'], ip);
  });

  test('reads ports as decimal numbers only', () => {
    for (const port of ['80', '080', '0']) assert.deepEqual(portCodes(port), [], port);
    for (const port of ['-1', '+80', 'http', '80-90', '*', '99999999999999999999']) {
      assert.deepEqual(portCodes(port), ['IZT-C-WH-INVALID-PORT'], port);
    }
  });

  test('reads timeouts as Go durations', () => {
    for (const timeout of ['1s', '+1m30s', '1.000s', '0.001s', '1h']) {
      assert.deepEqual(codes(requestAuth({ jwtRules: [{ ...JWT, timeout }] })), [], timeout);
    }
    for (const timeout of ['0', '-1s', '1', '1sec', '', '.s']) {
      const found = codes(requestAuth({ jwtRules: [{ ...JWT, timeout }] }));
      assert.deepEqual(found, ['IZT-C-WH-JWT-TIMEOUT-INVALID'], timeout);
    }
  });

  test('checks jwksUri scheme and port as Go net/url does', () => {
    for (const uri of ['http://a:1234', 'https://[::1]:443/x', 'http:opaque', 'https://a/%41']) {
      assert.deepEqual(jwksUriCodes(uri), [], uri);
    }
    for (const uri of [
      'a.example/jwks',
      'ftp://a',
      '://a',
      'https://a:b:1',
      'https://a/%zz',
      'https://a b',
    ]) {
      assert.deepEqual(jwksUriCodes(uri), ['IZT-C-WH-JWKS-URI-INVALID'], uri);
    }
  });

  test('reads a JWKS or a single JWK and refuses what jwx cannot parse', () => {
    const ok = [{ keys: [] }, { keys: null }, RSA_PUBLIC, { kty: 'OKP', crv: 'Ed25519', x: 'AA' }];
    for (const jwks of ok)
      assert.deepEqual(jwksCodes(JSON.stringify(jwks)), [], JSON.stringify(jwks));
    const bad = [
      'not json',
      '[]',
      '{"keys": {}}',
      '{"kty": "rsa"}',
      '{"kty": "EC", "x": "AA", "y": "AA"}',
    ];
    for (const jwks of bad) assert.deepEqual(jwksCodes(jwks), ['IZT-C-WH-JWKS-INVALID'], jwks);
    const badBase64 = JSON.stringify({ keys: [{ ...RSA_PUBLIC, n: 'a+b_' }] });
    assert.deepEqual(jwksCodes(badBase64), ['IZT-C-WH-JWKS-INVALID']);
  });

  test('warns about a symmetric key in a JWKS', () => {
    const jwks = JSON.stringify({ keys: [RSA_PUBLIC, { kty: 'oct', k: 'c2VjcmV0' }] });
    const found = findings(requestAuth({ jwtRules: [{ ...JWT, jwks }] }));
    assert.deepEqual(
      found.map(({ code, message }) => [code, message.startsWith('jwks key 1 ')]),
      [['IZT-C-WH-JWKS-PRIVATE-KEY', true]],
    );
  });

  test('takes jwksUri over jwks_uri when both are set, as istiod does', () => {
    const rule = { jwksUri: 'https://a.example/jwks', jwks_uri: 'not a url' };
    assert.deepEqual(codes(requestAuth({ jwtRules: [rule] })), []);
  });

  test('counts only principals, namespaces, IP blocks and service accounts as TCP-safe', () => {
    const deny = (rule: Json) => codes(policy({ action: 'DENY', rules: [rule] }));
    assert.deepEqual(deny(source({ requestPrincipals: ['*'] })), ['IZT-C-WH-DENY-HTTP-ONLY']);
    assert.deepEqual(
      deny({
        ...source({ principals: ['p'] }),
        when: [{ key: 'request.auth.principal', values: ['x'] }],
      }),
      [],
    );
    assert.deepEqual(
      deny({ ...source({ principals: ['p'] }), to: [{ operation: { methods: ['GET'] } }] }),
      ['IZT-C-WH-DENY-HTTP-ONLY'],
    );
    const to = [{ operation: { methods: ['GET'] } }, { operation: { ports: ['80'] } }];
    assert.deepEqual(deny({ to }), []);
    assert.deepEqual(codes(policy({ rules: [operation({ methods: ['GET'] })] })), []);
  });

  test('accepts templated paths with pchar segments and rejects operators in a segment', () => {
    const pathCodes = (path: string) => codes(policy({ rules: [operation({ paths: [path] })] }));
    for (const path of ['/{*}/a.b~c/{**}', '{**}/x', '/a/*/b', '/*', 'no-slash'])
      assert.deepEqual(pathCodes(path), [], path);
    for (const path of ['/foo/{*}.txt', '/{*}//a', '/{*}/a b', '/{**}/{*}']) {
      assert.deepEqual(pathCodes(path), ['IZT-C-WH-INVALID-PATH-TEMPLATE'], path);
    }
  });

  test('reports the fields CUSTOM forbids one by one, with their paths', () => {
    const doc = policy({
      action: 'CUSTOM',
      provider: { name: 'ext' },
      rules: [
        {
          ...source({ serviceAccounts: ['sa'], ipBlocks: ['1.2.3.4'] }),
          when: [{ key: 'source.principal', values: ['p'] }],
        },
      ],
    });
    assert.deepEqual(
      findings(doc).map(({ code, path }) => [code, path]),
      [
        ['IZT-C-WH-CUSTOM-UNSUPPORTED-FIELD', 'spec.rules[0].from[0].source.serviceAccounts'],
        ['IZT-C-WH-CUSTOM-UNSUPPORTED-FIELD', 'spec.rules[0].when[0].key'],
      ],
    );
  });

  test('treats a null list item as an empty string, as istiod decodes it', () => {
    assert.deepEqual(codes(policy({ rules: [source({ principals: [null] })] })), [
      'IZT-C-WH-EMPTY-VALUE',
    ]);
  });

  test('finds nothing in valid documents of each kind', () => {
    assert.deepEqual(codes(policy({ selector: SELECTOR, rules: [{}] })), []);
    assert.deepEqual(
      codes(
        peer({
          selector: SELECTOR,
          mtls: { mode: 'STRICT' },
          portLevelMtls: { '80': { mode: 'DISABLE' } },
        }),
      ),
      [],
    );
    assert.deepEqual(
      codes(
        requestAuth({ targetRefs: [SERVICE_REF], jwtRules: [{ ...JWT, jwksUri: 'https://a/j' }] }),
      ),
      [],
    );
  });
});

function findings(doc: IstioDocument): RuleFinding[] {
  return WEBHOOK_RULES.flatMap((rule) => rule(doc));
}

function codes(doc: IstioDocument): string[] {
  return findings(doc).map(({ code }) => code);
}

function ipCodes(ip: string): string[] {
  return codes(policy({ rules: [source({ remoteIpBlocks: [ip] })] }));
}

function portCodes(port: string): string[] {
  return codes(policy({ rules: [operation({ notPorts: [port] })] }));
}

function jwksUriCodes(jwksUri: string): string[] {
  return codes(requestAuth({ jwtRules: [{ ...JWT, jwksUri }] }));
}

function jwksCodes(jwks: string): string[] {
  return codes(requestAuth({ jwtRules: [{ ...JWT, jwks }] }));
}

function source(fields: Json): Json {
  return { from: [{ source: fields }] };
}

function operation(fields: Json): Json {
  return { to: [{ operation: fields }] };
}

function when(key: string, values: string[]): Json {
  return { when: [{ key, values }] };
}

function numbered(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

function policy(spec: Json, annotations?: Record<string, string>): IstioDocument {
  return documentOf('AuthorizationPolicy', spec, annotations);
}

function peer(spec: Json, annotations?: Record<string, string>): IstioDocument {
  return documentOf('PeerAuthentication', spec, annotations);
}

function requestAuth(spec: Json, annotations?: Record<string, string>): IstioDocument {
  return documentOf('RequestAuthentication', spec, annotations);
}

function documentOf(
  kind: SecurityKind,
  spec: Json,
  annotations?: Record<string, string>,
): IstioDocument {
  const metadata = { name: 'api', namespace: 'shop', ...(annotations && { annotations }) };
  const apiVersion = 'security.istio.io/v1';
  return {
    file: 'test.yaml',
    documentIndex: 0,
    line: 1,
    apiVersion,
    kind,
    namespace: 'shop',
    name: 'api',
    object: { apiVersion, kind, metadata, spec },
  };
}
