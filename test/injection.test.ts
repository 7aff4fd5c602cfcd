// Hostile strings in every string the chart renders come back unchanged: quotes, `: `, ` #`,
// newlines, template syntax, YAML indicators, words YAML 1.1 reads as booleans or null, and
// numbers-as-text, wherever the values schema admits them. One values object holds them all; it
// is rendered once with Helm 3 and once with Helm 4, and the parsed documents must equal exactly
// what the values ask for: no extra keys, no extra documents, every string still a string for a
// YAML 1.2 reader (js-yaml) and for a YAML 1.1 reader such as Kubernetes' own.
//
// Run: node --import tsx --test test/injection.test.ts

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import yaml from 'js-yaml';

import { helmTemplate } from '../scripts/lib/helm-template.js';
import { type HelmMajor, pinnedHelm } from '../scripts/lib/helm.js';
import { CHART_DIR } from '../scripts/lib/paths.js';

type Json = Record<string, unknown>;

const SKIP_PINNED =
  process.platform === 'linux' && process.arch === 'x64'
    ? false
    : 'pinned Helm binaries are linux-amd64 only';
const RELEASE = 'injection';
const RELEASE_NAMESPACE = 'shop';

// Free text: every field without a pattern takes these.
const HOSTILE = [
  `it's "quoted"`,
  'key: value',
  'text #comment',
  'line one\nline two',
  '{{ .Values }}',
  '*',
  '- leading dash',
  'on',
  'yes',
  '1e6',
  '0123',
  'null',
  '~',
  'grüße 🚀 ünïcödé',
  '1000000',
  'true',
  'NO',
  ' padded ',
  '@at `tick` &anchor !tag %percent',
  '| block',
  '> folded',
  '[list]',
  '{map: 1}',
  'tab\tand \\backslash',
  '1:20',
  '0x1F',
  '.inf',
  '<<',
  '=',
];
// Words and numbers a YAML reader may take for something other than a string; they fit the
// patterns of names (DNS labels), header names and trust domains.
const WORDS = ['on', 'yes', 'y', 'n', 'no', 'off', 'null', 'true', '1e6', '0123', '1000000'];
const HEADER_NAMES = ['on', 'yes', 'null', '1e6', '0123', '1000000', '-leading-dash', 'Y'];
const METHODS = ['ON', 'YES', 'NO', 'Y', 'N', 'OFF', 'NULL', 'TRUE', '*'];
// Paths start with / or * and hold no whitespace, ? or # (the schema refuses paths that never match).
const PATHS = ['/on', '/yes', '*', '/-dash', '/key:value', "/it's", '*.1e6', '/0123', '/~', '/[x]'];
// Fields whose patterns refuse some free text get the hostile strings that can still match.
const PRINCIPALS = HOSTILE.filter((value) => !/[:\s]/.test(value));
const REQUEST_PRINCIPALS = HOSTILE.filter((value) => !value.includes('\n')).map(
  (value) => `iss/${value}`,
);
const NAMESPACES = [...WORDS, '*', 'on-*', '*-yes'];
const HOSTS = HOSTILE.filter((value) => !/[/\s]/.test(value));
const SERVICE_ACCOUNTS = ['yes', 'on/null', '1e6', 'ns/key: value', 'a #comment', '{{ .Values }}'];
const TRUST_DOMAINS = ['*', 'on', '1e6', '{{ .Values }}', 'key: value', 'a #comment'];
// 1:2:3:4:5:6:7:8 is a base-60 integer to a YAML 1.1 reader.
const IP_BLOCKS = ['10.0.0.0/8', '1:2:3:4:5:6:7:8', '::', '2001:db8::/32'];
const PORTS = ['80', '8080', '1000', '65535'];
// Selector values must be Kubernetes label values (anything else selects nothing), which still
// leaves YAML traps.
const LABEL_VALUES = ['', 'yes', 'on', 'null', '1e6', '0123', '0x1F', '1.10', 'Y', '1_0'];
// Metadata label values must be valid Kubernetes label values, which still leaves YAML traps.
const METADATA_LABEL_VALUES = ['', 'yes', 'on', 'null', '1e6', '0123', 'true', 'No', 'y', '1_0'];

const CHART = yaml.load(readFileSync(path.join(CHART_DIR, 'Chart.yaml'), 'utf8')) as Json;
const CHART_LABEL = `${String(CHART.name)}-${String(CHART.version)}`.replace(/\+/g, '_');

// Values with a hostile string in every string field, and the documents they must render to.
const NAME_OVERRIDE = '1e6';
const NAMESPACE = 'null';
const ROOT_NAMESPACE = 'on';
const TRUST_DOMAIN = '0123';
const COMMON_LABELS = Object.fromEntries(
  METADATA_LABEL_VALUES.map((value, i) => [labelKey(i), value]),
);
const COMMON_ANNOTATIONS = Object.fromEntries(HOSTILE.map((value, i) => [annotationKey(i), value]));
const ENTRY_ANNOTATIONS = { 'example.com/entry': 'yes: #{{ .Values }}', 'example.com/n': 'n' };
const SELECTOR = {
  matchLabels: Object.fromEntries(LABEL_VALUES.map((value, i) => [labelKey(i), value])),
};
// Selector keys are Kubernetes label keys; these are words YAML 1.1 reads as something else.
const HOSTILE_KEY_SELECTOR = {
  matchLabels: { on: 'yes', Y: 'on', null: '0123', '0x1F': 'n', '1e6': '1.10' },
};
// Target names are Kubernetes object names; these are words YAML reads as something else.
const TARGET_REFS = [
  { kind: 'Gateway', name: 'yes' },
  { kind: 'Service', group: 'core', name: '1.10' },
  { kind: 'ServiceEntry', name: '1e6' },
];
const RENDERED_TARGET_REFS = [
  { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'yes' },
  { group: 'core', kind: 'Service', name: '1.10' },
  { group: 'networking.istio.io', kind: 'ServiceEntry', name: '1e6' },
];
const SOURCE = {
  principals: PRINCIPALS,
  notPrincipals: PRINCIPALS,
  requestPrincipals: REQUEST_PRINCIPALS,
  notRequestPrincipals: REQUEST_PRINCIPALS,
  namespaces: NAMESPACES,
  notNamespaces: NAMESPACES,
  trustDomains: TRUST_DOMAINS,
  notTrustDomains: TRUST_DOMAINS,
  ipBlocks: IP_BLOCKS,
  notIpBlocks: IP_BLOCKS,
  remoteIpBlocks: IP_BLOCKS,
  notRemoteIpBlocks: IP_BLOCKS,
};
const IDENTITIES = WORDS.map((word) => ({ namespace: word, serviceAccount: word }));
const IDENTITY_SOURCE = {
  ...SOURCE,
  workloadIdentities: IDENTITIES,
  notWorkloadIdentities: IDENTITIES,
};
const RENDERED_IDENTITY_SOURCE = {
  ...SOURCE,
  principals: [...PRINCIPALS, ...IDENTITIES.map(principal)],
  notPrincipals: [...PRINCIPALS, ...IDENTITIES.map(principal)],
};
const ACCOUNT_SOURCE = { serviceAccounts: SERVICE_ACCOUNTS, notServiceAccounts: SERVICE_ACCOUNTS };
const OPERATION = {
  hosts: HOSTS,
  notHosts: HOSTS,
  ports: PORTS,
  notPorts: PORTS,
  methods: METHODS,
  notMethods: METHODS,
  paths: PATHS,
  notPaths: PATHS,
};
const CONDITIONS = [
  // A header name is an HTTP token, which still admits YAML indicators.
  { key: "request.headers[&anchor*alias!tag'#%|~`^]", values: HOSTILE, notValues: HOSTILE },
  { key: 'request.auth.claims[on][yes]', values: HOSTILE },
  { key: 'source.serviceAccount', notValues: SERVICE_ACCOUNTS },
  { key: 'destination.port', values: PORTS },
];
const JWT_RULES = [
  {
    issuer: 'key: value #{{ .Values }}',
    audiences: HOSTILE,
    jwksUri: 'https://auth.example.com/{{.Values}}?on=yes#1e6',
    fromHeaders: HEADER_NAMES.map((name, i) => ({ name, prefix: HOSTILE[i] })),
    fromParams: HOSTILE,
    fromCookies: HOSTILE,
    outputPayloadToHeader: '0123',
    outputClaimToHeaders: HEADER_NAMES.map((header, i) => ({ header, claim: HOSTILE[i] })),
    forwardOriginalToken: false,
    timeout: '0123ms',
    spaceDelimitedClaims: HOSTILE,
  },
  {
    issuer: 'yes',
    jwks: JSON.stringify({
      keys: [{ kty: 'EC', crv: 'P-256', kid: 'on: #{{ .Values }}\n', x: '1e6', y: 'null' }],
    }),
  },
];
const PATH_RULES = [{ to: [{ operation: { paths: PATHS } }] }];
const REQUIRED_CLAIMS = { on: HOSTILE, 'key: value #x': ['yes'], '{{ .Values }}': ['1e6', '0123'] };
const REQUIRE_PATHS = ['/yes', '/a:b', '*null'];

const VALUES = {
  global: { on: 'yes' },
  nameOverride: NAME_OVERRIDE,
  namespaceOverride: NAMESPACE,
  commonLabels: COMMON_LABELS,
  commonAnnotations: COMMON_ANNOTATIONS,
  istio: { trustDomain: TRUST_DOMAIN, rootNamespace: ROOT_NAMESPACE },
  peerAuthentication: {
    namespace: { name: 'yes', mode: 'STRICT', annotations: ENTRY_ANNOTATIONS },
    mesh: { enabled: true, name: 'no', mode: 'PERMISSIVE', annotations: ENTRY_ANNOTATIONS },
    workloads: {
      '1e6': { selector: SELECTOR, mode: 'DISABLE', annotations: ENTRY_ANNOTATIONS },
      '0123': { selector: HOSTILE_KEY_SELECTOR, portLevelMtls: { '80': { mode: 'DISABLE' } } },
    },
  },
  authorization: {
    defaultDeny: { name: 'null', dryRun: true, annotations: ENTRY_ANNOTATIONS },
    policies: {
      on: {
        selector: SELECTOR,
        annotations: ENTRY_ANNOTATIONS,
        rules: [
          { from: [{ source: IDENTITY_SOURCE }] },
          { from: [{ source: ACCOUNT_SOURCE }] },
          { to: [{ operation: OPERATION }], when: CONDITIONS },
        ],
      },
      n: { action: 'DENY', targetRefs: TARGET_REFS, rules: PATH_RULES },
      '1000000': {
        action: 'CUSTOM',
        provider: { name: 'yes: #{{ .Values }}\n- on' },
        selector: HOSTILE_KEY_SELECTOR,
        rules: [{}],
      },
    },
  },
  requestAuthentication: {
    y: {
      selector: SELECTOR,
      annotations: ENTRY_ANNOTATIONS,
      jwtRules: JWT_RULES,
      requireToken: {
        name: 'off',
        paths: REQUIRE_PATHS,
        excludePaths: REQUIRE_PATHS,
        ports: PORTS,
        requiredClaims: REQUIRED_CLAIMS,
        dryRun: true,
      },
    },
  },
};

/** The documents VALUES must render to, in the chart's order. */
function expectedDocuments(): Json[] {
  const authz = (name: string, spec: Json, annotations: Json = {}): Json =>
    document('AuthorizationPolicy', name, NAMESPACE, spec, annotations);
  const peer = (name: string, namespace: string, spec: Json, annotations: Json = {}): Json =>
    document('PeerAuthentication', name, namespace, spec, annotations);
  const scope = { paths: REQUIRE_PATHS, notPaths: REQUIRE_PATHS, ports: PORTS };
  const requireScope = { to: [{ operation: scope }] };
  return [
    authz('null', {}, { ...ENTRY_ANNOTATIONS, 'istio.io/dry-run': 'true' }),
    authz('1000000', {
      action: 'CUSTOM',
      provider: VALUES.authorization.policies['1000000'].provider,
      selector: HOSTILE_KEY_SELECTOR,
      rules: [{}],
    }),
    authz('n', { action: 'DENY', targetRefs: RENDERED_TARGET_REFS, rules: PATH_RULES }),
    authz(
      'on',
      {
        action: 'ALLOW',
        selector: SELECTOR,
        rules: [
          { from: [{ source: RENDERED_IDENTITY_SOURCE }] },
          { from: [{ source: ACCOUNT_SOURCE }] },
          { to: [{ operation: OPERATION }], when: CONDITIONS },
        ],
      },
      ENTRY_ANNOTATIONS,
    ),
    authz(
      'off',
      {
        action: 'DENY',
        selector: SELECTOR,
        rules: [
          { from: [{ source: { notRequestPrincipals: ['*'] } }], ...requireScope },
          ...Object.entries(REQUIRED_CLAIMS)
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([claim, accepted]) => ({
              when: [{ key: `request.auth.claims[${claim}]`, notValues: accepted }],
              ...requireScope,
            })),
        ],
      },
      { 'istio.io/dry-run': 'true' },
    ),
    peer('no', ROOT_NAMESPACE, { mtls: { mode: 'PERMISSIVE' } }, ENTRY_ANNOTATIONS),
    peer('yes', NAMESPACE, { mtls: { mode: 'STRICT' } }, ENTRY_ANNOTATIONS),
    peer('0123', NAMESPACE, {
      selector: HOSTILE_KEY_SELECTOR,
      portLevelMtls: { '80': { mode: 'DISABLE' } },
    }),
    peer('1e6', NAMESPACE, { selector: SELECTOR, mtls: { mode: 'DISABLE' } }, ENTRY_ANNOTATIONS),
    document(
      'RequestAuthentication',
      'y',
      NAMESPACE,
      { selector: SELECTOR, jwtRules: JWT_RULES },
      ENTRY_ANNOTATIONS,
    ),
  ];
}

describe('hostile strings in values', { skip: SKIP_PINNED }, () => {
  let scratch = '';
  const outputs = {} as Record<HelmMajor, string>;

  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'injection-test-'));
    // JSON is YAML whose strings are all quoted, so the values reach Helm exactly as built here.
    const valuesFile = path.join(scratch, 'values.yaml');
    writeFileSync(valuesFile, JSON.stringify(VALUES, null, 2));
    for (const major of [3, 4] as const) {
      const result = helmTemplate({
        helm: pinnedHelm(major),
        release: RELEASE,
        namespace: RELEASE_NAMESPACE,
        valueFiles: [valuesFile],
      });
      assert.ok(result.ok, `Helm ${major} failed: ${result.stderr}`);
      outputs[major] = result.stdout;
    }
  });

  after(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  test('Helm 3 and Helm 4 render byte-identical output', () => {
    assert.equal(outputs[4], outputs[3]);
  });

  for (const major of [3, 4] as const) {
    test(`renders exactly the documents asked for, read as YAML 1.2, with Helm ${major}`, () => {
      assert.deepEqual(yaml.loadAll(outputs[major]), expectedDocuments());
    });

    test(`renders exactly the documents asked for, read as YAML 1.1, with Helm ${major}`, () => {
      const documents = yaml.loadAll(outputs[major], null, { schema: YAML_1_1_SCHEMA });
      assert.deepEqual(documents, expectedDocuments());
    });
  }

  test('keeps numbers-as-text as strings and never prints them in exponent form', () => {
    assert.doesNotMatch(outputs[3], /1e\+0?6/);
    assert.match(outputs[3], /- "1000000"\n/);
    assert.match(outputs[3], /- "8080"\n/);
  });
});

// A YAML 1.1 reader (go-yaml v2, which Kubernetes uses to read manifests) resolves more plain
// scalars than YAML 1.2 does. This type turns any of them into a marker object, so a string that
// reached the output unquoted fails the comparison.
const YAML_1_1_NON_STRING = new RegExp(
  '^(?:' +
    [
      'y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF',
      '[-+]?0b[01_]+',
      '[-+]?0x[0-9a-fA-F_]+',
      '[-+]?[0-9][0-9_]*',
      '[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+(?:\\.[0-9_]*)?',
      '[-+]?(?:[0-9][0-9_]*)?\\.[0-9_]*(?:[eE][-+]?[0-9]+)?',
      '[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+',
      '[-+]?\\.(?:inf|Inf|INF)',
      '\\.(?:nan|NaN|NAN)',
      '<<',
    ].join('|') +
    ')$',
);
const YAML_1_1_SCHEMA = yaml.DEFAULT_SCHEMA.extend({
  implicit: [
    new yaml.Type('tag:yaml.org,2002:yaml-1.1-non-string', {
      kind: 'scalar',
      resolve: (data: unknown) => typeof data === 'string' && YAML_1_1_NON_STRING.test(data),
      construct: (data: string) => ({ readByYaml11AsNonString: data }),
    }),
  ],
});

function document(
  kind: string,
  name: string,
  namespace: string,
  spec: Json,
  annotations: Json,
): Json {
  const appVersion = CHART.appVersion === undefined ? undefined : String(CHART.appVersion);
  const version = appVersion === undefined ? {} : { 'app.kubernetes.io/version': appVersion };
  const labels = {
    'app.kubernetes.io/name': NAME_OVERRIDE,
    'app.kubernetes.io/instance': RELEASE,
    'app.kubernetes.io/managed-by': 'Helm',
    'helm.sh/chart': CHART_LABEL,
    ...version,
    ...COMMON_LABELS,
  };
  const metadata: Json = { name, namespace, labels };
  const allAnnotations = { ...COMMON_ANNOTATIONS, ...annotations };
  if (Object.keys(allAnnotations).length > 0) metadata.annotations = allAnnotations;
  return { apiVersion: 'security.istio.io/v1', kind, metadata, spec };
}

function principal(identity: { namespace: string; serviceAccount: string }): string {
  return `${TRUST_DOMAIN}/ns/${identity.namespace}/sa/${identity.serviceAccount}`;
}

// Hostile label keys: a prefix and a name that YAML could misread.
function labelKey(index: number): string {
  return `example.com/${WORDS[index % WORDS.length]}-${index}`;
}

// Annotation keys must be Kubernetes qualified names; hostile keys go into maps that admit them.
function annotationKey(index: number): string {
  return `example.com/${WORDS[index % WORDS.length]}-${index}`;
}
