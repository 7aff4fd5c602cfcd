// Lint rules of `check` (scripts/lib/check/lint.ts): for every warning code, the smallest input
// that triggers it and a close input that does not.
//
// Run: node --import tsx --test test/check-lint.test.ts

import yaml from 'js-yaml';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  DEFAULT_ROOT_NAMESPACE,
  LINT_DOCUMENT_RULES,
  LINT_INPUT_RULES,
} from '../scripts/lib/check/lint.js';
import {
  SECURITY_KINDS,
  type IstioDocument,
  type SecurityKind,
} from '../scripts/lib/check/types.js';

interface LintCase {
  code: string;
  behaviour: string;
  /** YAML documents (the multi-document input) that must get the code. */
  triggers: string;
  /** The field the finding is about. */
  path: string;
  /** The document the finding is on, as kind/namespace/name; the first document by default. */
  on?: string;
  quietWhen: string;
  /** A close input that must not get the code. */
  quiet: string;
}

const CODE = /^IZT-C-W\d{3}$/;

// Builds an AuthorizationPolicy document from the lines of its spec.
function ap(spec: string, namespace = 'shop', name = 'p', metadata = ''): string {
  return doc('AuthorizationPolicy', namespace, name, spec, metadata);
}

function pa(spec: string, namespace = 'shop', name = 'default'): string {
  return doc('PeerAuthentication', namespace, name, spec);
}

function ra(spec: string, namespace = 'shop', name = 'jwt'): string {
  return doc('RequestAuthentication', namespace, name, spec);
}

function doc(kind: string, namespace: string, name: string, spec: string, metadata = ''): string {
  return [
    '---',
    'apiVersion: security.istio.io/v1',
    `kind: ${kind}`,
    `metadata: {name: ${name}, namespace: ${namespace}${metadata}}`,
    `spec: ${spec}`,
  ].join('\n');
}

const JWT_RULES = '{jwtRules: [{issuer: https://idp.example.com}]}';

const CASES: LintCase[] = [
  {
    code: 'IZT-C-W001',
    behaviour: 'a DENY rule uses an HTTP-only source field beside an L4 one, without ports',
    triggers: ap(
      '{action: DENY, rules: [{from: [{source: {requestPrincipals: ["*"], namespaces: [a]}}]}]}',
    ),
    path: 'spec.rules[0]',
    quietWhen: 'the rule has ports',
    quiet: ap(
      '{action: DENY, rules: [{from: [{source: {requestPrincipals: ["*"], namespaces: [a]}}], ' +
        'to: [{operation: {ports: ["8080"]}}]}]}',
    ),
  },
  {
    code: 'IZT-C-W001',
    behaviour: 'a DENY rule has one `to` entry with ports and one with methods only',
    triggers: ap(
      '{action: DENY, rules: [{to: [{operation: {ports: ["80"]}}, {operation: {methods: [GET]}}]}]}',
    ),
    path: 'spec.rules[0]',
    // istiod warns (IZT-C-WH-DENY-HTTP-ONLY) about this rule itself; W001 would repeat it.
    quietWhen: "istiod's own DENY-HTTP-ONLY warning fires on the rule (methods only, no ports)",
    quiet: ap('{action: DENY, rules: [{to: [{operation: {methods: [GET]}}]}]}'),
  },
  {
    code: 'IZT-C-W001',
    behaviour: 'a DENY rule uses a request.headers condition without ports',
    triggers: ap('{action: DENY, rules: [{when: [{key: "request.headers[x-a]", values: [b]}]}]}'),
    path: 'spec.rules[0]',
    quietWhen: 'a destination.port condition limits the rule to some ports',
    quiet: ap(
      '{action: DENY, rules: [{when: [{key: "request.headers[x-a]", values: [b]}, ' +
        '{key: destination.port, values: ["8080"]}]}]}',
    ),
  },
  {
    code: 'IZT-C-W001',
    behaviour: 'only another `to` entry of the DENY rule has ports',
    triggers: ap(
      '{action: DENY, rules: [{to: [{operation: {paths: [/a]}}, {operation: {ports: ["80"]}}]}]}',
    ),
    path: 'spec.rules[0]',
    quietWhen: 'every `to` entry has ports',
    quiet: ap(
      '{action: DENY, rules: [{to: [{operation: {paths: [/a], ports: ["80"]}}, ' +
        '{operation: {ports: ["81"]}}]}]}',
    ),
  },
  {
    code: 'IZT-C-W002',
    behaviour: 'an ALLOW rule uses an HTTP-only field without ports',
    triggers: ap('{rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]}'),
    path: 'spec.rules[0]',
    quietWhen: 'the rule has notPorts',
    quiet: ap(
      '{rules: [{from: [{source: {requestPrincipals: ["*"]}}], to: [{operation: {notPorts: ["5432"]}}]}]}',
    ),
  },
  {
    code: 'IZT-C-W003',
    behaviour: 'a RequestAuthentication has no policy requiring a token',
    triggers: ra(JWT_RULES),
    path: 'spec',
    quietWhen: 'a namespace-wide DENY with notRequestPrincipals ["*"] is in the same input',
    quiet: [
      ra(JWT_RULES),
      ap('{action: DENY, rules: [{from: [{source: {notRequestPrincipals: ["*"]}}]}]}'),
    ].join('\n'),
  },
  {
    code: 'IZT-C-W003',
    behaviour: 'the ALLOW requiring a token selects other workloads',
    triggers: [
      ra('{selector: {matchLabels: {app: a}}, jwtRules: [{issuer: i}]}'),
      ap(
        '{selector: {matchLabels: {app: b}}, rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]}',
      ),
    ].join('\n'),
    path: 'spec',
    quietWhen: 'the ALLOW with requestPrincipals has the same selector in the root namespace',
    quiet: [
      ra('{selector: {matchLabels: {app: a}}, jwtRules: [{issuer: i}]}'),
      ap(
        '{selector: {matchLabels: {app: a}}, rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]}',
        DEFAULT_ROOT_NAMESPACE,
      ),
    ].join('\n'),
  },
  {
    code: 'IZT-C-W003',
    behaviour: 'the policy requiring a token is in another namespace',
    triggers: [
      ra(JWT_RULES),
      ap('{rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]}', 'other'),
    ].join('\n'),
    path: 'spec',
    quietWhen: 'an ALLOW requires a claim of the token in the same namespace',
    quiet: [
      ra(JWT_RULES),
      ap('{rules: [{when: [{key: "request.auth.claims[groups]", values: [admins]}]}]}'),
    ].join('\n'),
  },
  {
    code: 'IZT-C-W004',
    behaviour: 'a policy matches namespaces while the namespace PeerAuthentication is PERMISSIVE',
    triggers: [
      ap('{action: DENY, rules: [{from: [{source: {namespaces: [foo]}}]}]}'),
      pa('{mtls: {mode: PERMISSIVE}}'),
    ].join('\n'),
    path: 'spec.rules[0].from[0].source.namespaces',
    quietWhen: 'the namespace PeerAuthentication is STRICT',
    quiet: [
      ap('{action: DENY, rules: [{from: [{source: {namespaces: [foo]}}]}]}'),
      pa('{mtls: {mode: STRICT}}'),
    ].join('\n'),
  },
  {
    code: 'IZT-C-W004',
    behaviour: 'a source.principal condition meets a mesh-level PeerAuthentication with mode UNSET',
    triggers: [
      ap('{rules: [{when: [{key: source.principal, values: [a/ns/b/sa/c]}]}]}'),
      pa('{}', DEFAULT_ROOT_NAMESPACE),
    ].join('\n'),
    path: 'spec.rules[0].when[0]',
    quietWhen: 'the input holds no PeerAuthentication at all',
    quiet: ap('{rules: [{when: [{key: source.principal, values: [a/ns/b/sa/c]}]}]}'),
  },
  {
    code: 'IZT-C-W004',
    behaviour: 'a workload PeerAuthentication for the selected workloads disables mTLS on a port',
    triggers: [
      ap(
        '{selector: {matchLabels: {app: a}}, rules: [{from: [{source: {serviceAccounts: [b]}}]}]}',
      ),
      pa('{mtls: {mode: STRICT}}'),
      pa(
        '{selector: {matchLabels: {app: a}}, mtls: {mode: STRICT}, portLevelMtls: {"9090": {mode: DISABLE}}}',
        'shop',
        'a-metrics',
      ),
    ].join('\n'),
    path: 'spec.rules[0].from[0].source.serviceAccounts',
    quietWhen: 'that PeerAuthentication selects other workloads',
    quiet: [
      ap(
        '{selector: {matchLabels: {app: a}}, rules: [{from: [{source: {serviceAccounts: [b]}}]}]}',
      ),
      pa('{mtls: {mode: STRICT}}'),
      pa(
        '{selector: {matchLabels: {app: z}}, mtls: {mode: STRICT}, portLevelMtls: {"9090": {mode: DISABLE}}}',
        'shop',
        'z-metrics',
      ),
    ].join('\n'),
  },
  {
    code: 'IZT-C-W005',
    behaviour: 'an ALLOW rule matches with notPaths',
    triggers: ap('{rules: [{to: [{operation: {notPaths: [/admin], ports: ["80"]}}]}]}'),
    path: 'spec.rules[0].to[0].operation.notPaths',
    quietWhen: 'the same negation is in a DENY rule',
    quiet: ap('{action: DENY, rules: [{to: [{operation: {notPaths: [/admin], ports: ["80"]}}]}]}'),
  },
  {
    code: 'IZT-C-W005',
    behaviour: 'an ALLOW condition uses notValues',
    triggers: ap('{rules: [{when: [{key: source.ip, notValues: [10.0.0.1]}]}]}'),
    path: 'spec.rules[0].when[0].notValues',
    quietWhen: 'the condition uses values',
    quiet: ap('{rules: [{when: [{key: source.ip, values: [10.0.0.1]}]}]}'),
  },
  {
    code: 'IZT-C-W006',
    behaviour: 'a DENY rule matches paths positively',
    triggers: ap('{action: DENY, rules: [{to: [{operation: {paths: [/admin], ports: ["80"]}}]}]}'),
    path: 'spec.rules[0].to[0].operation.paths',
    quietWhen: 'the DENY rule uses notPaths',
    quiet: ap('{action: DENY, rules: [{to: [{operation: {notPaths: [/public], ports: ["80"]}}]}]}'),
  },
  {
    code: 'IZT-C-W007',
    behaviour: 'a principal has a `*` in the middle',
    triggers: ap('{rules: [{from: [{source: {principals: [cluster.local/ns/*/sa/a]}}]}]}'),
    path: 'spec.rules[0].from[0].source.principals[0]',
    quietWhen: 'the `*` is a prefix, and namespaces (regex on Envoy) have one inside',
    quiet: ap('{rules: [{from: [{source: {principals: ["*/sa/a"], namespaces: [a*b]}}]}]}'),
  },
  {
    code: 'IZT-C-W007',
    behaviour: 'a path has a leading and a trailing `*`',
    triggers: ap('{rules: [{to: [{operation: {paths: ["*/api/*"], ports: ["80"]}}]}]}'),
    path: 'spec.rules[0].to[0].operation.paths[0]',
    quietWhen: 'the path is a template with {*} and {**}',
    quiet: ap('{rules: [{to: [{operation: {paths: ["/api/{*}/x/{**}"], ports: ["80"]}}]}]}'),
  },
  {
    code: 'IZT-C-W007',
    behaviour: 'a request principal has a `*` inside its subject',
    triggers: ap('{rules: [{from: [{source: {requestPrincipals: ["https://idp/a*b"]}}]}]}'),
    path: 'spec.rules[0].from[0].source.requestPrincipals[0]',
    quietWhen: 'issuer and subject each use one wildcard',
    quiet: ap('{rules: [{from: [{source: {requestPrincipals: ["*/*", "https://idp/*"]}}]}]}'),
  },
  {
    code: 'IZT-C-W008',
    behaviour: 'a method is lower-case',
    triggers: ap('{rules: [{to: [{operation: {methods: [get], ports: ["80"]}}]}]}'),
    path: 'spec.rules[0].to[0].operation.methods[0]',
    quietWhen: 'the method is upper-case',
    quiet: ap('{rules: [{to: [{operation: {methods: [GET], ports: ["80"]}}]}]}'),
  },
  {
    code: 'IZT-C-W009',
    behaviour: 'a host has no `:*` variant in its list',
    triggers: ap('{rules: [{to: [{operation: {hosts: [example.com], ports: ["80"]}}]}]}'),
    path: 'spec.rules[0].to[0].operation.hosts[0]',
    quietWhen: 'the list also holds host:*',
    quiet: ap(
      '{rules: [{to: [{operation: {hosts: [example.com, "example.com:*"], ports: ["80"]}}]}]}',
    ),
  },
  {
    code: 'IZT-C-W009',
    behaviour: 'a suffix host (`.example.com`) has no `:*` variant',
    triggers: ap('{rules: [{to: [{operation: {hosts: [.example.com], ports: ["80"]}}]}]}'),
    path: 'spec.rules[0].to[0].operation.hosts[0]',
    // `*.example.com:*` would be read with a literal trailing `*` (IZT-C-W007).
    quietWhen: 'the host starts with `*`, where no `:*` variant can be written',
    quiet: ap('{rules: [{to: [{operation: {hosts: ["*.example.com"], ports: ["80"]}}]}]}'),
  },
  {
    code: 'IZT-C-W010',
    behaviour: 'a PeerAuthentication with a selector is in the root namespace',
    triggers: pa(
      '{selector: {matchLabels: {app: a}}, mtls: {mode: STRICT}}',
      DEFAULT_ROOT_NAMESPACE,
    ),
    path: 'spec.selector',
    quietWhen: 'it is in the workload namespace',
    quiet: pa('{selector: {matchLabels: {app: a}}, mtls: {mode: STRICT}}'),
  },
  {
    code: 'IZT-C-W011',
    behaviour: 'one namespace has two namespace-level PeerAuthentications',
    triggers: [
      pa('{mtls: {mode: STRICT}}'),
      pa('{selector: {}, mtls: {mode: PERMISSIVE}}', 'shop', 'b'),
    ].join('\n'),
    path: 'metadata.name',
    quietWhen: 'the second one selects workloads',
    quiet: [
      pa('{mtls: {mode: STRICT}}'),
      pa('{selector: {matchLabels: {app: a}}, mtls: {mode: PERMISSIVE}}', 'shop', 'b'),
    ].join('\n'),
  },
  {
    code: 'IZT-C-W011',
    behaviour: 'two distinct names are in one namespace, one of them written twice',
    triggers: [
      pa('{mtls: {mode: STRICT}}'),
      pa('{mtls: {mode: STRICT}}').replace('security.istio.io/v1', 'security.istio.io/v1beta1'),
      pa('{mtls: {mode: PERMISSIVE}}', 'shop', 'b'),
    ].join('\n'),
    path: 'metadata.name',
    // The later document replaces the earlier in a cluster: one object, not two.
    quietWhen: 'the same name appears twice (v1 and v1beta1)',
    quiet: [
      pa('{mtls: {mode: STRICT}}'),
      pa('{mtls: {mode: STRICT}}').replace('security.istio.io/v1', 'security.istio.io/v1beta1'),
    ].join('\n'),
  },
  {
    code: 'IZT-C-W011',
    behaviour: 'two names share an explicit namespace',
    triggers: [pa('{mtls: {mode: PERMISSIVE}}'), pa('{mtls: {mode: STRICT}}', 'shop', 'b')].join(
      '\n',
    ),
    path: 'metadata.name',
    // Istio's mTLS migration applies such a document with `kubectl apply -n <ns>`.
    quietWhen: 'the documents have no metadata.namespace (given at apply time)',
    quiet: [pa('{mtls: {mode: PERMISSIVE}}', ''), pa('{mtls: {mode: STRICT}}', '', 'b')].join('\n'),
  },
  {
    code: 'IZT-C-W012',
    behaviour: 'an AuthorizationPolicy in the root namespace has no selector',
    triggers: ap('{rules: [{to: [{operation: {ports: ["80"]}}]}]}', DEFAULT_ROOT_NAMESPACE),
    path: 'spec',
    quietWhen: 'it selects workloads',
    quiet: ap(
      '{selector: {matchLabels: {app: a}}, rules: [{to: [{operation: {ports: ["80"]}}]}]}',
      DEFAULT_ROOT_NAMESPACE,
    ),
  },
  {
    code: 'IZT-C-W012',
    behaviour: 'a RequestAuthentication in the root namespace has an empty selector',
    triggers: ra(`{selector: {}, jwtRules: [{issuer: i}]}`, DEFAULT_ROOT_NAMESPACE),
    path: 'spec.selector',
    quietWhen: 'it has targetRefs',
    quiet: ra(
      '{targetRefs: [{group: gateway.networking.k8s.io, kind: GatewayClass, name: istio-waypoint}], ' +
        'jwtRules: [{issuer: i}]}',
      DEFAULT_ROOT_NAMESPACE,
    ),
  },
  {
    code: 'IZT-C-W013',
    behaviour: 'an ALLOW rule is {}',
    triggers: ap('{rules: [{}]}'),
    path: 'spec.rules[0]',
    quietWhen: 'the rule has a from entry',
    quiet: ap('{rules: [{from: [{source: {ipBlocks: [10.0.0.0/8]}}]}]}'),
  },
  {
    code: 'IZT-C-W013',
    behaviour: 'a DENY rule has only empty lists',
    triggers: ap('{action: DENY, rules: [{from: [], to: []}]}'),
    path: 'spec.rules[0]',
    quietWhen: 'the action is CUSTOM, where rules: [{}] is the documented form',
    quiet: ap('{action: CUSTOM, provider: {name: ext}, rules: [{}]}'),
  },
  {
    code: 'IZT-C-W014',
    behaviour: 'an ALLOW source has principals ["*"]',
    triggers: ap('{rules: [{from: [{source: {principals: ["*"]}}]}]}'),
    path: 'spec.rules[0].from[0].source.principals[0]',
    quietWhen: 'a DENY source has notPrincipals ["*"]',
    quiet: ap('{action: DENY, rules: [{from: [{source: {notPrincipals: ["*"]}}]}]}'),
  },
  {
    code: 'IZT-C-W015',
    behaviour: 'the dry-run annotation is "false"',
    triggers: ap('{rules: [{}]}', 'shop', 'p', ', annotations: {istio.io/dry-run: "false"}'),
    path: 'metadata.annotations["istio.io/dry-run"]',
    quietWhen: 'it is "true"',
    quiet: ap('{rules: [{}]}', 'shop', 'p', ', annotations: {istio.io/dry-run: "true"}'),
  },
  {
    code: 'IZT-C-W016',
    behaviour: 'an ALLOW rule uses methods on a port that is usually not HTTP',
    triggers: ap('{rules: [{to: [{operation: {methods: [GET], ports: ["5432"]}}]}]}'),
    path: 'spec.rules[0].to[0].operation.ports[0]',
    quietWhen: 'the port is not a well-known TCP port',
    quiet: ap('{rules: [{to: [{operation: {methods: [GET], ports: ["9000"]}}]}]}'),
  },
];

describe('lint rules', () => {
  for (const lintCase of CASES) {
    test(`${lintCase.code} warns when ${lintCase.behaviour}`, () => {
      const findings = lint(lintCase.triggers).filter((f) => f.code === lintCase.code);
      assert.ok(
        findings.length > 0,
        `no ${lintCase.code} in ${JSON.stringify(lint(lintCase.triggers))}`,
      );
      const first = findings[0]!;
      assert.equal(first.path, lintCase.path);
      assert.equal(first.on, lintCase.on ?? documentKey(parse(lintCase.triggers)[0]!));
      assert.equal(first.severity, 'warning');
      assert.match(first.message, /\S/);
      assert.match(first.fix, /\S/);
      assert.doesNotMatch(first.message, /\n/);
    });
    test(`${lintCase.code} stays quiet when ${lintCase.quietWhen}`, () => {
      const codes = lint(lintCase.quiet).map((f) => f.code);
      assert.ok(!codes.includes(lintCase.code), `unexpected ${lintCase.code}`);
    });
  }

  test('every rule has a stable code of the form IZT-C-W<NNN>, each code tested', () => {
    const tested = new Set(CASES.map((c) => c.code));
    for (const code of tested) assert.match(code, CODE);
    assert.equal(tested.size, LINT_DOCUMENT_RULES.length + LINT_INPUT_RULES.length);
  });

  test('rules do not throw on malformed documents and return no findings for them', () => {
    const odd = [
      ap('null'),
      ap('{rules: 3}'),
      ap('{rules: [null, 1, {from: 2, to: [null, {operation: 5}], when: [7]}]}'),
      pa('{mtls: 1, selector: []}'),
      ra('[]', DEFAULT_ROOT_NAMESPACE),
    ].join('\n');
    const codes = lint(odd).map((f) => f.code);
    // The `null` rule decodes to `{}` in istiod: that one warning is real.
    assert.deepEqual(
      codes.filter((code) => code !== 'IZT-C-W012'),
      ['IZT-C-W013'],
    );
  });
});

interface LintFinding {
  on: string;
  code: string;
  path: string;
  severity: string;
  message: string;
  fix: string;
}

function lint(input: string): LintFinding[] {
  const documents = parse(input);
  const fromDocuments = documents.flatMap((document) =>
    LINT_DOCUMENT_RULES.flatMap((rule) => rule(document)).map((f) => ({
      ...f,
      on: documentKey(document),
    })),
  );
  const fromInput = LINT_INPUT_RULES.flatMap((rule) => rule(documents)).map(
    ({ document, finding }) => ({
      ...finding,
      on: documentKey(document),
    }),
  );
  return [...fromDocuments, ...fromInput];
}

function parse(input: string): IstioDocument[] {
  return yaml.loadAll(input).map((object, documentIndex) => {
    const record = object as Record<string, unknown>;
    const metadata = (record.metadata ?? {}) as Record<string, unknown>;
    const kind = record.kind as SecurityKind;
    assert.ok(SECURITY_KINDS.includes(kind), `test input has kind ${String(kind)}`);
    return {
      file: 'test.yaml',
      documentIndex,
      line: 1,
      apiVersion: String(record.apiVersion),
      kind,
      namespace: String(metadata.namespace ?? ''),
      name: String(metadata.name ?? ''),
      object: record,
    };
  });
}

function documentKey(document: IstioDocument): string {
  return `${document.kind}/${document.namespace}/${document.name}`;
}
