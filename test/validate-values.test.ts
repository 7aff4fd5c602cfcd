// The values validator: schema errors come with the value path, the problem and the fix; the
// schema-error fixtures in test/golden/_schema_error_ are reported at the expected paths and
// rejected by both pinned Helms; each warning fires on the smallest values that should raise it
// and not on a near miss; the CLI's exit codes are 0 valid, 1 invalid, 2 usage error.
//
// Run: node --import tsx --test test/validate-values.test.ts

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { coalesceValues } from '../scripts/lib/coalesce.js';
import { pinnedHelm, type HelmMajor } from '../scripts/lib/helm.js';
import { helmTemplate } from '../scripts/lib/helm-template.js';
import { PROJECT_ROOT, SOURCE_SCHEMA } from '../scripts/lib/paths.js';
import { PATTERNS } from '../scripts/lib/schema-messages.js';
import {
  chartDefaults,
  formatFinding,
  validateValues,
  type Finding,
} from '../scripts/lib/validation.js';
import {
  checkWarnings,
  warnAllowHttpFieldsOnTcpPort,
  warnDefaultDenyOff,
  warnDenyWithoutPorts,
  warnEverythingDenied,
  warnMatchEverythingRule,
  warnTargetRefsWithV1beta1,
  warnIdentityWithoutStrictMtls,
  warnLiteralWildcard,
  warnNamespaceWideJwt,
  warnPathBypass,
  warnRequireTokenOff,
} from '../scripts/lib/values-warnings.js';
import {
  layerSpellings,
  loadValuesFile,
  parseValuesYaml,
  readValuesSource,
  type ValuesMap,
} from '../scripts/lib/yaml-values.js';

const SCHEMA_ERROR_CASES_DIR = path.join(PROJECT_ROOT, 'test', 'golden', '_schema_error_');
const HELM_SCHEMA_FAILURE = "values don't meet the specifications of the schema";
const SKIP_HELM =
  process.platform === 'linux' && process.arch === 'x64'
    ? false
    : 'pinned Helm is linux-amd64 only';
const CLI_TIMEOUT_MS = 60_000;

// Values that render with no error and no warning: the base every warning test starts from.
const QUIET_VALUES = `
authorization:
  policies:
    viewer:
      selector: {matchLabels: {app: api}}
      rules:
        - to: [{operation: {ports: ["8080"]}}]
`;

const scratch = mkdtempSync(path.join(tmpdir(), 'validate-values-test-'));

after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('schema messages', () => {
  test('explains a boolean where a string belongs (issuer: y) and says to quote it', () => {
    const finding = schemaError(
      `
requestAuthentication:
  api:
    jwtRules: [{issuer: y, jwksUri: "https://a.example.com/jwks"}]
`,
      'requestAuthentication.api.jwtRules[0].issuer',
    );
    assert.equal(
      finding.message,
      'got boolean true, which YAML 1.1 reads from an unquoted yes/no/on/off/y/n; quote the value',
    );
  });

  test('asks to quote a number as meant, not as parsed, when the spelling is unknown', () => {
    const finding = schemaError(
      policyWithOperation('ports: [8080]'),
      'authorization.policies.viewer.rules[0].to[0].operation.ports[0]',
    );
    assert.equal(
      finding.message,
      'got number 8080, which YAML reads from an unquoted number, losing how it was written (1.10 reads as 1.1, 0x1F as 31); quote the value exactly as you mean it, as a port number from 1 to 65535, written as a string',
    );
  });

  test('quotes a number as the file wrote it (1.10, 0123, 0x1F), not as YAML read it', () => {
    const at = 'requestAuthentication.api.jwtRules[0].audiences';
    const messages = [0, 1, 2].map(
      (index) =>
        sourceSchemaError(jwtRule('audiences: [1.10, 0123, 0x1F]'), `${at}[${index}]`).message,
    );
    assert.deepEqual(messages, [
      'got a number, which YAML reads from the unquoted 1.10; quote the value exactly as you mean it: "1.10"',
      'got a number, which YAML reads from the unquoted 0123; quote the value exactly as you mean it: "0123"',
      'got a number, which YAML reads from the unquoted 0x1F; quote the value exactly as you mean it: "0x1F"',
    ]);
  });

  test('says what a patterned field accepts when a quoted number would still fail (timeout: 5)', () => {
    const finding = sourceSchemaError(
      jwtRule('timeout: 5'),
      'requestAuthentication.api.jwtRules[0].timeout',
    );
    assert.equal(
      finding.message,
      'got a number, which YAML reads from the unquoted 5; quote the value exactly as you mean it, as a duration such as 5s, 500ms or 1m30s: write a number followed by a unit (ns, us, ms, s, m or h), without spaces',
    );
  });

  test('quotes the unquoted word a boolean value was read from (issuer: y)', () => {
    const finding = sourceSchemaError(
      'requestAuthentication:\n  api:\n    jwtRules: [{issuer: y}]\n',
      'requestAuthentication.api.jwtRules[0].issuer',
    );
    assert.equal(
      finding.message,
      'got boolean true, which YAML 1.1 reads from the unquoted y; quote the value: "y"',
    );
  });

  test('refuses a key read as "true" from an unquoted yes, quoting the key as written', () => {
    const values = 'authorization:\n  policies:\n    yes: {rules: [{}]}\n';
    const at = 'authorization.policies.true';
    assert.equal(
      sourceSchemaError(values, at).message,
      'got the key "true", which Helm reads from the unquoted key yes (YAML 1.1 reads yes/no/on/off/y/n as booleans); quote the key: "yes"',
    );
    assert.equal(
      schemaError(values, at).message,
      'got the key "true", which Helm reads as true from an unquoted yes/no/on/off/y/n (or true/false) key; quote the key',
    );
  });

  test('refuses a key "false" written so, asking for another name', () => {
    const finding = sourceSchemaError('commonLabels:\n  "false": x\n', 'commonLabels.false');
    assert.match(
      finding.message,
      /^got the key "false", which is refused because .*; choose another name$/,
    );
  });

  test('accepts quoted yes/no/on/off keys', () => {
    const { errors } = validateValues([
      parse(`
commonLabels: {"yes": a, "on": b}
authorization:
  policies:
    "no":
      selector: {matchLabels: {"off": x, app: api}}
      rules: [{}]
`),
    ]);
    assert.deepEqual(errors, []);
  });

  test('accepts the forms of identities, hosts, paths, IP blocks and header names that can match', () => {
    const { errors } = validateValues([
      parse(`
authorization:
  policies:
    viewer:
      rules:
        - from:
            - source:
                principals: [cluster.local/ns/a/sa/b, "*", "*/ns/a/sa/*", old-td/ns/default/sa/x, "*/sa/x"]
                namespaces: ["*", shop, shop-*, "*-prod"]
                requestPrincipals: ["*", "https://a.example.com/user-1", "https://a.example.com/*", "*/user-1", iss/sub, "*sub", "iss*"]
                ipBlocks: [0.0.0.0/0, 255.255.255.255, 10.0.0.0/8, 100.64.0.0/10, "2001:db8::/32", "::1"]
                notIpBlocks: ["::", "::/0", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "FE80::1:2/128"]
          to:
            - operation:
                hosts: [api.example.com, "api.example.com:*", "*", "*.example.com", xn--bcher-kva.example]
                paths: [/, /api/*, "*.css", "*", "/a/{*}/b", "/a/{**}", /package.Service/Method, /a%20b]
                notPaths: ["/caf%C3%A9", "/~user/it's(1)", "/a;b=c,d@e+f$g&h!i", '/say/"hi"', /a|b, /x^y]
          when:
            - {key: "request.headers[X-Api_Key.v1!#$%&'*+^\`|~]", values: ["*"]}
            - {key: "request.headers[:authority]", values: [api.example.com]}
`),
    ]);
    assert.deepEqual(errors.map(formatFinding), []);
  });

  test('accepts label keys with a 63-character name, label values of 63 and object names as targets', () => {
    const name = `a${'-'.repeat(61)}z`;
    const { errors } = validateValues([
      {
        commonLabels: { [`example.com/${name}`]: 'x'.repeat(63), [name]: '' },
        commonAnnotations: { [`example.com/${name}`]: 'any text' },
        authorization: {
          policies: {
            gateway: {
              targetRefs: [{ kind: 'Gateway', name: 'bookinfo-gateway.v1' }],
              rules: [{}],
            },
            viewer: {
              selector: { matchLabels: { [name]: 'A.b_c-1', 'app.kubernetes.io/name': '' } },
              rules: [{}],
            },
          },
        },
      },
    ]);
    assert.deepEqual(errors.map(formatFinding), []);
  });

  test('refuses a label key whose name after the prefix has 64 characters, in commonLabels too', () => {
    const name = 'a'.repeat(64);
    const finding = schemaError(
      `commonLabels:\n  example.com/${name}: x\n`,
      `commonLabels.example.com/${name}`,
    );
    assert.match(
      finding.message,
      /a name of at most 63 .*; shorten the name after the prefix to at most 63 characters \(it has 64\)$/,
    );
  });

  test('explains that an empty list (principals: []) would widen the rule', () => {
    const finding = schemaError(
      `
authorization:
  policies:
    viewer:
      rules: [{from: [{source: {principals: []}}]}]
`,
      'authorization.policies.viewer.rules[0].from[0].source.principals',
    );
    assert.match(
      finding.message,
      /empty list, which Istio reads as "not set": that widens the rule/,
    );
    assert.match(finding.message, /remove the key or give at least one value$/);
  });

  test('explains that an empty source would match every caller', () => {
    const finding = schemaError(
      `
authorization:
  policies:
    viewer:
      rules: [{from: [{source: {}}]}]
`,
      'authorization.policies.viewer.rules[0].from[0].source',
    );
    assert.match(finding.message, /"not set": this from entry would match every caller; remove/);
  });

  test('explains that an empty operation would match every request', () => {
    const finding = schemaError(
      policyWithOperation(''),
      'authorization.policies.viewer.rules[0].to[0].operation',
    );
    assert.match(finding.message, /"not set": this to entry would match every request; remove/);
  });

  test('names an unknown key and lists the allowed keys', () => {
    const finding = schemaError(
      `
authorization:
  polices: {}
`,
      'authorization.polices',
    );
    assert.equal(
      finding.message,
      'unknown key "polices"; did you mean "policies"? allowed keys: defaultDeny, policies',
    );
  });

  test('lists the allowed values of an enum and suggests the right case', () => {
    const finding = schemaError(
      `
authorization:
  policies:
    viewer: {action: deny, rules: [{}]}
`,
      'authorization.policies.viewer.action',
    );
    assert.equal(
      finding.message,
      'got string "deny"; did you mean "DENY"? allowed: "ALLOW", "DENY", "AUDIT", "CUSTOM"',
    );
  });

  test('says a required key was removed by a null in a values file', () => {
    const finding = schemaError(
      'authorization:\n  defaultDeny: null\n',
      'authorization.defaultDeny',
    );
    assert.match(finding.message, /set it to null, which removes the chart's default/);
  });

  test('explains a null that Helm keeps because the chart does not define the key', () => {
    const finding = schemaError('commonLabels:\n  team: ~\n', 'commonLabels.team');
    assert.match(
      finding.message,
      /^got null .*only where chart\/values\.yaml defines it, so delete the key/,
    );
  });

  const patternCases: readonly [string, string, string, RegExp][] = [
    [
      'a port',
      policyWithOperation('ports: ["80a"]'),
      'authorization.policies.viewer.rules[0].to[0].operation.ports[0]',
      /port number from 1 to 65535/,
    ],
    [
      'an IP or CIDR block',
      policyWithSource('ipBlocks: [10.0.0.0/33]'),
      'authorization.policies.viewer.rules[0].from[0].source.ipBlocks[0]',
      /IPv4 or IPv6 address or CIDR block/,
    ],
    [
      'an upper-case method',
      policyWithOperation('methods: [get]'),
      'authorization.policies.viewer.rules[0].to[0].operation.methods[0]',
      /upper-case HTTP method.*write "GET"/,
    ],
    [
      'a path template',
      policyWithOperation('paths: ["/api/{id}"]'),
      'authorization.policies.viewer.rules[0].to[0].operation.paths[0]',
      /literal text or a whole \{\*\} .* or \{\*\*\}/,
    ],
    [
      'a label selector without * in values',
      'peerAuthentication:\n  workloads:\n    api: {mode: STRICT, selector: {matchLabels: {app: "a*"}}}\n',
      'peerAuthentication.workloads.api.selector.matchLabels.app',
      /Kubernetes label value: .*; a \* is no wildcard in a label, and Istio matches selector labels exactly/,
    ],
    [
      'a label selector without * in keys',
      'peerAuthentication:\n  workloads:\n    api: {mode: STRICT, selector: {matchLabels: {"app*": a}}}\n',
      'peerAuthentication.workloads.api.selector.matchLabels.app*',
      /Kubernetes label or annotation key: .*; a \* is no wildcard in a label key/,
    ],
    [
      'a selector label value in Kubernetes syntax',
      'peerAuthentication:\n  workloads:\n    api: {mode: STRICT, selector: {matchLabels: {app: "api v2"}}}\n',
      'peerAuthentication.workloads.api.selector.matchLabels.app',
      /Kubernetes label value: empty, or letters, digits/,
    ],
    [
      'a target name that is a Kubernetes object name',
      'authorization:\n  policies:\n    viewer: {targetRefs: [{kind: Gateway, name: My_Gateway}], rules: [{}]}\n',
      'authorization.policies.viewer.targetRefs[0].name',
      /Kubernetes name: lower-case .*for example "my-gateway"/,
    ],
    [
      'a percent-encoded path',
      policyWithOperation('paths: ["/café/menü"]'),
      'authorization.policies.viewer.rules[0].to[0].operation.paths[0]',
      /only printable ASCII .*; percent-encode .* such as "\/caf%C3%A9\/men%C3%BC"$/,
    ],
    [
      'a host in punycode',
      policyWithOperation('notHosts: ["bücher.example:8080"]'),
      'authorization.policies.viewer.rules[0].to[0].operation.notHosts[0]',
      /punycode, xn--.*; write an internationalized host in punycode \(xn--\.\.\.\), for example "xn--bcher-kva\.example:8080"$/,
    ],
    [
      'an IP address without a port',
      policyWithSource('ipBlocks: ["10.0.0.1:8080"]'),
      'authorization.policies.viewer.rules[0].from[0].source.ipBlocks[0]',
      /at most one ::.*; remove the port: the field matches addresses only, so write "10\.0\.0\.1"$/,
    ],
    [
      'an IPv6 address without an embedded IPv4 address',
      policyWithSource('notIpBlocks: ["::ffff:10.0.0.1/128"]'),
      'authorization.policies.viewer.rules[0].from[0].source.notIpBlocks[0]',
      /embedded IPv4 address such as ::ffff:10\.0\.0\.1 is not supported\); write the embedded IPv4 address as two hex groups: "::ffff:a00:1\/128"$/,
    ],
    [
      'a header name that is an HTTP token',
      'authorization:\n  policies:\n    viewer: {rules: [{when: [{key: "request.headers[User Agent]", values: [x]}]}]}\n',
      'authorization.policies.viewer.rules[0].when[0].key',
      /request\.headers\[<name>\] \(a header name of letters.*; write the bare header name inside \[ \]/,
    ],
    [
      'a service account',
      policyWithSource('serviceAccounts: ["shop/*"]'),
      'authorization.policies.viewer.rules[0].from[0].source.serviceAccounts[0]',
      /<namespace>\/<name> or <name>, without \*/,
    ],
    [
      'a trust domain',
      'istio:\n  trustDomain: spiffe://cluster.local\n',
      'istio.trustDomain',
      /trust domain such as cluster\.local/,
    ],
    [
      'a duration',
      jwtRule('timeout: 5 seconds'),
      'requestAuthentication.api.jwtRules[0].timeout',
      /duration such as 5s, 500ms or 1m30s/,
    ],
    [
      'an http(s) jwksUri',
      jwtRule('jwksUri: ftp://a.example.com/jwks'),
      'requestAuthentication.api.jwtRules[0].jwksUri',
      /http:\/\/ or https:\/\/ URL/,
    ],
    [
      'a header name',
      jwtRule('outputPayloadToHeader: "x payload"'),
      'requestAuthentication.api.jwtRules[0].outputPayloadToHeader',
      /header name made of letters, digits/,
    ],
    [
      'a principal without spiffe://',
      policyWithSource('principals: ["spiffe://cluster.local/ns/a/sa/b"]'),
      'authorization.policies.viewer.rules[0].from[0].source.principals[0]',
      /without spiffe:\/\/.*write "cluster\.local\/ns\/a\/sa\/b"; Istio adds spiffe:\/\/ itself/,
    ],
    [
      'a namespace with * only at one end',
      policyWithSource('namespaces: ["a*b"]'),
      'authorization.policies.viewer.rules[0].from[0].source.namespaces[0]',
      /namespace name .* with \* only alone or at one end/,
    ],
    [
      'a request principal <issuer>/<subject>',
      policyWithSource('requestPrincipals: [user-1]'),
      'authorization.policies.viewer.rules[0].from[0].source.requestPrincipals[0]',
      /<issuer>\/<subject>.*never matches; .*"user-1\/\*" for any subject .*"\*\/user-1" for the subject/,
    ],
    [
      'a host without scheme or path',
      policyWithOperation('hosts: ["https://api.example.com/v1"]'),
      'authorization.policies.viewer.rules[0].to[0].operation.hosts[0]',
      /host or host:port.*without a scheme, path or spaces; write the host only, for example "api\.example\.com"/,
    ],
    [
      'a path without a query string',
      policyWithOperation('paths: ["/search?q=1"]'),
      'authorization.policies.viewer.rules[0].to[0].operation.paths[0]',
      /starts with \/ or \* and holds no \?, #, space.*matches the path without it, so write "\/search"/,
    ],
    [
      'a path that starts with /',
      jwt('requireToken: {excludePaths: [healthz], ports: ["8080"]}'),
      'requestAuthentication.api.requireToken.excludePaths[0]',
      /start the path with \/, such as "\/healthz"/,
    ],
    [
      'an IPv4 address with numbers up to 255',
      policyWithSource('notRemoteIpBlocks: [10.0.0.256]'),
      'authorization.policies.viewer.rules[0].from[0].source.notRemoteIpBlocks[0]',
      /IPv4 numbers 0 to 255, without leading zeros/,
    ],
    [
      'a resource name',
      'authorization:\n  policies:\n    Viewer_1: {rules: [{}]}\n',
      'authorization.policies.Viewer_1',
      /Kubernetes name: lower-case .*for example "viewer-1"/,
    ],
  ];
  for (const [kind, values, at, expected] of patternCases) {
    test(`says in words what a pattern accepts: ${kind}`, () => {
      assert.match(schemaError(values, at).message, expected);
    });
  }

  test('has words for every pattern in values-schema.json, and for no other', () => {
    const patterns = new Set<string>();
    collectPatterns(JSON.parse(readFileSync(SOURCE_SCHEMA, 'utf8')), patterns);
    assert.deepEqual(
      [...patterns].filter((pattern) => !(pattern in PATTERNS)),
      [],
    );
    assert.deepEqual(
      Object.keys(PATTERNS).filter((pattern) => !patterns.has(pattern)),
      [],
    );
  });

  test('reports every schema error at once, with code IZT-E-SCHEMA', () => {
    const { errors } = validateValues([
      parse(`
commonLabels: {a: 1}
istio: {trustDomain: "bad domain"}
`),
    ]);
    assert.deepEqual(
      errors.map(({ path }) => path),
      ['commonLabels.a', 'istio.trustDomain'],
    );
    assert.ok(
      errors.every(({ code, severity }) => code === 'IZT-E-SCHEMA' && severity === 'error'),
    );
  });

  test('formats a finding as one line: severity, code, path, message', () => {
    const finding: Finding = {
      severity: 'warning',
      code: 'IZT-W004',
      path: 'a.b',
      message: 'm; fix',
    };
    assert.equal(formatFinding(finding), 'warning IZT-W004 a.b: m; fix');
  });
});

describe('schema error cases (test/golden/_schema_error_)', () => {
  for (const name of readdirSync(SCHEMA_ERROR_CASES_DIR).sort()) {
    const dir = path.join(SCHEMA_ERROR_CASES_DIR, name);
    const valuesFile = path.join(dir, 'values.yaml');

    test(`${name}: the validator reports exactly the expected paths`, () => {
      const expected = readFileSync(path.join(dir, 'expected-paths.txt'), 'utf8')
        .trim()
        .split('\n');
      const { errors } = validateValues([loadValuesFile(valuesFile)], { namespace: 'shop' });
      assert.deepEqual([...new Set(errors.map(({ path: at }) => at))].sort(), expected.sort());
      assert.ok(errors.every(({ code }) => code === 'IZT-E-SCHEMA'));
    });

    for (const major of [3, 4] as const satisfies readonly HelmMajor[]) {
      test(`${name}: Helm ${major} rejects it by the schema`, { skip: SKIP_HELM }, () => {
        const result = helmTemplate({
          helm: pinnedHelm(major),
          release: 'release',
          namespace: 'shop',
          valueFiles: [valuesFile],
        });
        assert.equal(result.ok, false, 'Helm rendered values the schema should reject');
        assert.ok(result.stderr.includes(HELM_SCHEMA_FAILURE), result.stderr);
      });
    }
  }
});

describe('warnings', () => {
  test('quiet base values raise no warning and no error', () => {
    const { errors, warnings } = validateValues([parse(QUIET_VALUES)]);
    assert.deepEqual([...errors, ...warnings], []);
  });

  test('IZT-W001 fires when requireToken is disabled', () => {
    assert.deepEqual(codes(warnRequireTokenOff, jwt('requireToken: {enabled: false}')), [
      'IZT-W001',
    ]);
    assert.deepEqual(codes(warnRequireTokenOff, jwt('requireToken: {ports: ["8080"]}')), []);
  });

  test('IZT-W002 fires for a DENY rule on HTTP fields without ports', () => {
    assert.deepEqual(codes(warnDenyWithoutPorts, denyRule('methods: [POST]')), ['IZT-W002']);
    assert.deepEqual(codes(warnDenyWithoutPorts, denyRule('methods: [POST], ports: ["8080"]')), []);
  });

  test('IZT-W002 fires for the requireToken policy without ports', () => {
    assert.deepEqual(codes(warnDenyWithoutPorts, jwt('requireToken: {}')), ['IZT-W002']);
    assert.deepEqual(codes(warnDenyWithoutPorts, jwt('requireToken: {ports: ["8080"]}')), []);
  });

  test('IZT-W003 fires for an ALLOW rule with HTTP fields on a well-known TCP port', () => {
    assert.deepEqual(
      codes(warnAllowHttpFieldsOnTcpPort, allowRule('methods: [GET], ports: ["5432"]')),
      ['IZT-W003'],
    );
    assert.deepEqual(
      codes(warnAllowHttpFieldsOnTcpPort, allowRule('methods: [GET], ports: ["8080"]')),
      [],
    );
    assert.deepEqual(codes(warnAllowHttpFieldsOnTcpPort, allowRule('ports: ["5432"]')), []);
  });

  test('IZT-W004 fires when default deny is off', () => {
    assert.deepEqual(codes(warnDefaultDenyOff, 'authorization: {defaultDeny: {enabled: false}}'), [
      'IZT-W004',
    ]);
    assert.deepEqual(codes(warnDefaultDenyOff, 'authorization: {defaultDeny: {dryRun: true}}'), []);
  });

  test('IZT-W005 fires for identity fields while mTLS is PERMISSIVE', () => {
    const identity = 'rules: [{from: [{source: {namespaces: [shop]}}]}]';
    assert.deepEqual(
      codes(
        warnIdentityWithoutStrictMtls,
        `peerAuthentication: {namespace: {mode: PERMISSIVE}}\n${policy(identity)}`,
      ),
      ['IZT-W005'],
    );
    assert.deepEqual(codes(warnIdentityWithoutStrictMtls, policy(identity)), []);
  });

  test('IZT-W005 fires for identity condition keys while the namespace policy is off', () => {
    const identity = 'rules: [{when: [{key: source.principal, values: [x]}]}]';
    assert.deepEqual(
      codes(
        warnIdentityWithoutStrictMtls,
        `peerAuthentication: {namespace: {enabled: false}}\n${policy(identity)}`,
      ),
      ['IZT-W005'],
    );
    assert.deepEqual(
      codes(
        warnIdentityWithoutStrictMtls,
        `peerAuthentication: {namespace: {enabled: false}, mesh: {enabled: true}}\n${policy(identity)}`,
      ),
      [],
    );
  });

  test('IZT-W006 fires for DENY with paths and ALLOW with notPaths', () => {
    assert.deepEqual(codes(warnPathBypass, denyRule('paths: [/admin], ports: ["8080"]')), [
      'IZT-W006',
    ]);
    assert.deepEqual(codes(warnPathBypass, allowRule('notPaths: [/admin]')), ['IZT-W006']);
    assert.deepEqual(codes(warnPathBypass, denyRule('notPaths: [/public], ports: ["8080"]')), []);
    assert.deepEqual(codes(warnPathBypass, allowRule('paths: [/public]')), []);
  });

  test('IZT-W006 fires when requireToken lists only some paths', () => {
    assert.deepEqual(codes(warnPathBypass, jwt('requireToken: {paths: [/api], ports: ["8080"]}')), [
      'IZT-W006',
    ]);
    assert.deepEqual(
      codes(warnPathBypass, jwt('requireToken: {excludePaths: [/healthz], ports: ["8080"]}')),
      [],
    );
  });

  test('IZT-W007 fires for a RequestAuthentication without selector or targetRefs', () => {
    assert.deepEqual(codes(warnNamespaceWideJwt, jwt('requireToken: {ports: ["8080"]}', '')), [
      'IZT-W007',
    ]);
    assert.deepEqual(codes(warnNamespaceWideJwt, jwt('requireToken: {ports: ["8080"]}')), []);
  });

  test('IZT-W008 fires for a * inside a value, which Istio matches literally', () => {
    assert.deepEqual(codes(warnLiteralWildcard, allowRule('paths: ["/api/*/items"]')), [
      'IZT-W008',
    ]);
    assert.deepEqual(
      codes(warnLiteralWildcard, allowRule('paths: ["/api/*", "*.css", "*", "/a/{*}/b"]')),
      [],
    );
  });

  test('IZT-W010 fires for an ALLOW or DENY rule {} that matches every request', () => {
    assert.deepEqual(codes(warnMatchEverythingRule, policy('rules: [{}]')), ['IZT-W010']);
    assert.deepEqual(codes(warnMatchEverythingRule, policy('rules: [{}]', 'DENY')), ['IZT-W010']);
    assert.deepEqual(codes(warnMatchEverythingRule, allowRule('ports: ["8080"]')), []);
    assert.deepEqual(codes(warnMatchEverythingRule, policy('rules: [{}]', 'AUDIT')), []);
  });

  test('IZT-W011 fires for targetRefs with security.istio.io/v1beta1', () => {
    const gatewayPolicy =
      'authorization:\n  policies:\n    gw: {targetRefs: [{kind: Gateway, name: gw}], rules: [{to: [{operation: {ports: ["80"]}}]}]}\n';
    const v1beta1 = 'istio: {securityApiVersion: security.istio.io/v1beta1}\n';
    assert.deepEqual(codes(warnTargetRefsWithV1beta1, v1beta1 + gatewayPolicy), ['IZT-W011']);
    assert.deepEqual(codes(warnTargetRefsWithV1beta1, gatewayPolicy), []);
  });

  test('IZT-W009 fires when default deny is on and no ALLOW policy with rules is enforced', () => {
    assert.deepEqual(
      codes(warnEverythingDenied, 'authorization: {policies: {a: {rules: [{}], dryRun: true}}}'),
      ['IZT-W009'],
    );
    assert.deepEqual(codes(warnEverythingDenied, QUIET_VALUES), []);
  });

  test('reports no warnings when the chart is disabled', () => {
    assert.deepEqual(
      checkWarnings(coalesced('enabled: false\nauthorization: {defaultDeny: {enabled: false}}')),
      [],
    );
  });

  test('validateValues returns the warnings next to the values', () => {
    const { errors, warnings } = validateValues([
      parse('authorization: {defaultDeny: {enabled: false}}'),
    ]);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      warnings.map(({ code, severity }) => `${severity} ${code}`),
      ['warning IZT-W004'],
    );
  });
});

describe('npm run validate (scripts/validate-values.ts)', () => {
  test('exits 0 for valid values, with warnings on stderr and a summary on stdout', () => {
    const file = writeValues('valid.yaml', 'authorization: {defaultDeny: {enabled: false}}\n');
    const run = runCli([file]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(
      run.stderr,
      /^.*valid\.yaml: warning IZT-W004 authorization\.defaultDeny\.enabled: /m,
    );
    assert.match(run.stdout, /^valid: .*valid\.yaml \(0 errors, 1 warning\)\n$/);
  });

  test('exits 1 for invalid layered values, naming the file that set each value', () => {
    const base = writeValues('base.yaml', QUIET_VALUES);
    const bad = writeValues(
      'bad.yaml',
      'requestAuthentication:\n  api:\n    jwtRules: [{issuer: y}]\n',
    );
    const run = runCli([base, bad]);
    assert.equal(run.status, 1, run.stderr);
    assert.match(
      run.stderr,
      /bad\.yaml: error IZT-E-SCHEMA requestAuthentication\.api\.jwtRules\[0\]\.issuer: got boolean true/,
    );
    assert.match(run.stdout, /^invalid: .*base\.yaml \+ .*bad\.yaml \(1 error, 0 warnings\)\n$/);
  });

  test('exits 1 for a file Helm cannot parse, naming the line', () => {
    const run = runCli([writeValues('broken.yaml', 'a: [1, 2\n')]);
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /broken\.yaml: error IZT-E-YAML line \d+: /);
  });

  test('exits 1 for a key written twice in one map, naming the path, file and lines', () => {
    const file = writeValues('twice.yaml', `${QUIET_VALUES}    viewer:\n      rules: [{}]\n`);
    const run = runCli([file]);
    assert.equal(run.status, 1, run.stderr);
    assert.match(
      run.stderr,
      /twice\.yaml: error IZT-E-YAML authorization\.policies\.viewer: appears twice in this map \(lines 4 and 8\); Helm keeps only the last one; remove or merge one of them\n/,
    );
  });

  test('exits 1 for a file of several documents, saying Helm 3 and 4 read it differently', () => {
    const run = runCli([
      '--format',
      'json',
      writeValues('two.yaml', `${QUIET_VALUES}---\nenabled: false\n`),
    ]);
    assert.equal(run.status, 1, run.stderr);
    const findings = JSON.parse(run.stdout) as (Finding & { line?: number })[];
    assert.deepEqual(
      findings.map(({ code, path: at, line }) => `${code} ${at} ${line}`),
      ['IZT-E-YAML line 9 9'],
    );
    assert.equal(
      findings[0]?.message,
      'the file holds 2 YAML documents (separated by ---); Helm 3 reads only the first while Helm 4 reads them all, so they render differently; keep one document per values file',
    );
  });

  test('--each validates every file on its own', () => {
    const valid = writeValues('each-valid.yaml', QUIET_VALUES);
    const invalid = writeValues(
      'each-invalid.yaml',
      'authorization: {policies: {block: {action: DENY}}}\n',
    );
    const run = runCli(['--each', valid, invalid]);
    assert.equal(run.status, 1, run.stderr);
    assert.match(
      run.stderr,
      /each-invalid\.yaml: error IZT-E-RULE authorization\.policies\.block: action DENY needs rules/,
    );
    assert.match(run.stdout, /^invalid: 1 of 2 files /);
  });

  test('--format json prints the findings as a JSON array on stdout', () => {
    const file = writeValues('json.yaml', 'authorization: {policies: {block: {action: DENY}}}\n');
    const run = runCli(['--format', 'json', file]);
    assert.equal(run.status, 1, run.stderr);
    const findings = JSON.parse(run.stdout) as (Finding & { file?: string })[];
    assert.deepEqual(
      findings.map(({ code, path: at }) => `${code} ${at}`),
      ['IZT-E-RULE authorization.policies.block', 'IZT-W009 authorization.policies'],
    );
    assert.equal(findings[0]?.file, file);
    assert.match(run.stderr, /^invalid: /m);
  });

  test('exits 2 without files, for an unknown flag and for an unreadable file', () => {
    assert.equal(runCli([]).status, 2);
    const unknown = runCli(['--frobnicate', writeValues('flag.yaml', '')]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown flag --frobnicate/);
    const missing = runCli([path.join(scratch, 'missing.yaml')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read values file/);
  });
});

function parse(text: string): ValuesMap {
  return parseValuesYaml(text, 'test.yaml');
}

function coalesced(text: string): ValuesMap {
  return coalesceValues(chartDefaults(), [parse(text)]);
}

/** The one schema error at `at`, failing when there is none. */
function schemaError(text: string, at: string): Finding {
  return findSchemaError(validateValues([parse(text)]).errors, at);
}

/** The schema error at `at`, with the file's spellings known as npm run validate knows them. */
function sourceSchemaError(text: string, at: string): Finding {
  const source = readValuesSource(text, 'test.yaml');
  const { errors } = validateValues([source.values], { spellings: layerSpellings([source]) });
  return findSchemaError(errors, at);
}

function findSchemaError(errors: readonly Finding[], at: string): Finding {
  const finding = errors.find(({ path: where }) => where === at);
  assert.ok(finding !== undefined, `no error at ${at}: ${errors.map(formatFinding).join('\n')}`);
  assert.equal(finding.code, 'IZT-E-SCHEMA');
  return finding;
}

function codes(check: (values: ValuesMap) => Finding[], text: string): string[] {
  const values = coalesced(text);
  assert.deepEqual(validateValues([parse(text)]).errors, [], 'the test values must be valid');
  return check(values).map(({ code }) => code);
}

function policy(body: string, action = 'ALLOW'): string {
  return `authorization:\n  policies:\n    p: {action: ${action}, selector: {matchLabels: {app: api}}, ${body}}\n`;
}

function allowRule(operation: string): string {
  return policy(`rules: [{to: [{operation: {${operation}}}]}]`);
}

function denyRule(operation: string): string {
  return policy(`rules: [{to: [{operation: {${operation}}}]}]`, 'DENY');
}

function policyWithOperation(operation: string): string {
  return `authorization:\n  policies:\n    viewer:\n      rules: [{to: [{operation: {${operation}}}]}]\n`;
}

function policyWithSource(source: string): string {
  return `authorization:\n  policies:\n    viewer:\n      rules: [{from: [{source: {${source}}}]}]\n`;
}

function jwtRule(fields: string): string {
  return `requestAuthentication:\n  api:\n    jwtRules: [{issuer: "https://a.example.com", ${fields}}]\n`;
}

function jwt(extra: string, selector = 'selector: {matchLabels: {app: api}}'): string {
  const fields = [selector, 'jwtRules: [{issuer: "https://a.example.com"}]', extra].filter(Boolean);
  return `requestAuthentication:\n  api: {${fields.join(', ')}}\n`;
}

function collectPatterns(node: unknown, patterns: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectPatterns(item, patterns);
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'pattern' && typeof value === 'string') patterns.add(value);
      else collectPatterns(value, patterns);
    }
  }
}

function writeValues(name: string, text: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, text);
  return file;
}

function runCli(args: readonly string[]): {
  status: number | null;
  stdout: string;
  stderr: string;
} {
  const run = spawnSync('npx', ['tsx', 'scripts/validate-values.ts', ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    timeout: CLI_TIMEOUT_MS,
  });
  if (run.error) throw run.error;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
