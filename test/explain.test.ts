// The simulator behind `npm run explain`, one documented rule of Istio's evaluation a test:
// which policies apply, mTLS, tokens, the CUSTOM/DENY/ALLOW order, TCP, wildcards and `when`.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { readText } from '../scripts/lib/check/read.js';
import { explain } from '../scripts/lib/explain/evaluate.js';
import { headline } from '../scripts/lib/explain/format.js';
import { normalizePath } from '../scripts/lib/explain/match.js';
import { toRequest, type RawOptions } from '../scripts/lib/explain/request.js';
import type { Decision } from '../scripts/lib/explain/types.js';

/** Decides one request (options as on the command line) against the YAML manifests. */
function decide(manifests: string, options: RawOptions): Decision {
  const { documents, findings } = readText('test.yaml', manifests);
  assert.deepEqual(findings, [], 'the test manifests must read cleanly');
  const { request, mesh } = toRequest(options);
  return explain(documents, request, mesh);
}

function ap(namespace: string, name: string, spec: string, annotations = ''): string {
  return `---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ${name}
  namespace: ${namespace}
${annotations}spec:
${spec.replace(/^/gm, '  ')}
`;
}

function pa(namespace: string, name: string, spec: string, created?: string): string {
  const stamp = created === undefined ? '' : `  creationTimestamp: "${created}"\n`;
  return `---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: ${name}
  namespace: ${namespace}
${stamp}spec:
${spec.replace(/^/gm, '  ')}
`;
}

const RA_HTTPBIN = `---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: jwt
  namespace: foo
spec:
  selector:
    matchLabels:
      app: httpbin
  jwtRules:
  - issuer: issuer-a
    jwksUri: https://example.com/jwks.json
    audiences: [orders]
`;

const HTTPBIN = 'foo/app=httpbin';
const FROM_CURL: RawOptions = { to: HTTPBIN, port: '8080', 'from-namespace': 'foo', 'from-sa': 'curl' };
const ALLOW_NOTHING = ap('foo', 'allow-nothing', '{}');
const DENY_GET = ap('foo', 'deny-get', 'action: DENY\nrules:\n- to:\n  - operation:\n      methods: [GET]');
const ALLOW_GET = ap('foo', 'allow-get', 'action: ALLOW\nrules:\n- to:\n  - operation:\n      methods: [GET]');

function verdict(decision: Decision): string {
  const by = decision.decidedBy;
  const who = by === null ? 'default' : `${by.kind}/${by.name}${by.ruleIndex === null ? '' : `#${by.ruleIndex}`}`;
  return `${decision.decision} ${decision.status} ${who}`;
}

describe('authorization order', () => {
  it('allows by default when no ALLOW policy applies', () => {
    assert.equal(verdict(decide('', { ...FROM_CURL, method: 'GET' })), 'ALLOW 200 default');
  });

  it('denies with 403 when ALLOW policies apply and none matches (allow-nothing)', () => {
    assert.equal(verdict(decide(ALLOW_NOTHING, { ...FROM_CURL, method: 'GET' })), 'DENY 403 default');
  });

  it('names the ALLOW policy and rule that allowed', () => {
    const decision = decide(ALLOW_NOTHING + ALLOW_GET, { ...FROM_CURL, method: 'GET' });
    assert.equal(verdict(decision), 'ALLOW 200 AuthorizationPolicy/allow-get#0');
    assert.deepEqual(decision.decidedBy, {
      kind: 'AuthorizationPolicy',
      namespace: 'foo',
      name: 'allow-get',
      action: 'ALLOW',
      ruleIndex: 0,
    });
  });

  it('applies DENY before ALLOW', () => {
    const decision = decide(ALLOW_GET + DENY_GET, { ...FROM_CURL, method: 'GET' });
    assert.equal(verdict(decision), 'DENY 403 AuthorizationPolicy/deny-get#0');
  });

  it('denies when CUSTOM policies for one workload name different providers', () => {
    const custom = (name: string, provider: string): string =>
      ap('foo', name, `action: CUSTOM\nprovider:\n  name: ${provider}\nrules:\n- to:\n  - operation:\n      paths: [/a]`);
    const conflict = decide(custom('a', 'authz-a') + custom('b', 'authz-b'), { ...FROM_CURL, path: '/c' });
    assert.equal(verdict(conflict), 'DENY 403 AuthorizationPolicy/b');
    assert.equal(headline(conflict), 'DENY 403: denied by AuthorizationPolicy foo/b (CUSTOM)');
    assert.equal(decide(custom('a', 'authz-a') + custom('b', 'authz-a'), { ...FROM_CURL, path: '/c' }).status, 200);
  });

  it('asks the external authorizer of a matching CUSTOM policy before DENY and ALLOW', () => {
    const custom = ap('foo', 'ext', 'action: CUSTOM\nprovider:\n  name: authz\nrules:\n- to:\n  - operation:\n      paths: [/headers]');
    const denied = decide(custom + ALLOW_GET, { ...FROM_CURL, method: 'GET', path: '/headers', 'ext-authz': 'deny' });
    assert.equal(verdict(denied), 'DENY 403 AuthorizationPolicy/ext#0');
    const allowed = decide(custom + ALLOW_GET, { ...FROM_CURL, method: 'GET', path: '/headers' });
    assert.equal(verdict(allowed), 'ALLOW 200 AuthorizationPolicy/allow-get#0');
    const unmatched = decide(custom, { ...FROM_CURL, method: 'GET', path: '/ip', 'ext-authz': 'deny' });
    assert.equal(verdict(unmatched), 'ALLOW 200 default');
  });

  it('reports a matching dry-run DENY policy without enforcing it', () => {
    const dryRun = ap('foo', 'deny-dry', 'action: DENY\nrules:\n- {}', '  annotations:\n    istio.io/dry-run: "true"\n');
    const decision = decide(dryRun, { ...FROM_CURL, method: 'GET' });
    assert.equal(verdict(decision), 'ALLOW 200 default');
    assert.deepEqual(decision.dryRun, [
      { namespace: 'foo', name: 'deny-dry', action: 'DENY', matched: true, ruleIndex: 0 },
    ]);
  });

  it('does not deny by default for a dry-run ALLOW policy', () => {
    const dryAllow = ap('foo', 'allow-dry', '{}', '  annotations:\n    istio.io/dry-run: "true"\n');
    const decision = decide(dryAllow, { ...FROM_CURL, method: 'GET' });
    assert.equal(verdict(decision), 'ALLOW 200 default');
    assert.equal(decision.dryRun[0]?.matched, false);
  });

  it('never lets an AUDIT policy decide', () => {
    const audit = ap('foo', 'audit-all', 'action: AUDIT\nrules:\n- {}');
    const decision = decide(audit + ALLOW_NOTHING, { ...FROM_CURL, method: 'GET' });
    assert.equal(verdict(decision), 'DENY 403 default');
    assert.ok(decision.steps.some((step) => step.stage === 'audit'));
  });
});

describe('which policies apply', () => {
  it('applies a root-namespace selector policy in every namespace, and not a policy of another namespace', () => {
    const root = ap('istio-system', 'deny-root', 'selector:\n  matchLabels:\n    app: httpbin\naction: DENY\nrules:\n- {}');
    assert.equal(verdict(decide(root, FROM_CURL)), 'DENY 403 AuthorizationPolicy/deny-root#0');
    const other = ap('bar', 'deny-bar', 'action: DENY\nrules:\n- {}');
    assert.equal(verdict(decide(other, FROM_CURL)), 'ALLOW 200 default');
    const custom = decide(root, { ...FROM_CURL, 'root-namespace': 'mesh-root' });
    assert.equal(verdict(custom), 'ALLOW 200 default');
  });

  it('matches a selector as a subset of the pod labels', () => {
    const policy = ap('foo', 'deny-v1', 'selector:\n  matchLabels:\n    app: httpbin\n    version: v1\naction: DENY\nrules:\n- {}');
    assert.equal(verdict(decide(policy, FROM_CURL)).split(' ')[0], 'ALLOW');
    const v1 = decide(policy, { ...FROM_CURL, to: 'foo/app=httpbin,version=v1,extra=x' });
    assert.equal(verdict(v1).split(' ')[0], 'DENY');
  });

  it('attaches targetRefs only to the Gateway API gateway of that name, in its namespace', () => {
    const policy = ap('foo', 'gw-deny', 'targetRefs:\n- kind: Gateway\n  group: gateway.networking.k8s.io\n  name: web\naction: DENY\nrules:\n- {}');
    const gateway = 'foo/gateway.networking.k8s.io/gateway-name=web';
    assert.equal(verdict(decide(policy, { to: gateway })).split(' ')[0], 'DENY');
    assert.equal(verdict(decide(policy, { to: 'foo/gateway.networking.k8s.io/gateway-name=other' })).split(' ')[0], 'ALLOW');
    assert.equal(verdict(decide(policy, FROM_CURL)).split(' ')[0], 'ALLOW');
  });
});

describe('mTLS', () => {
  it('resets a plaintext connection under STRICT and names the PeerAuthentication', () => {
    const decision = decide(pa('foo', 'default', 'mtls:\n  mode: STRICT'), { to: HTTPBIN, port: '8080', plaintext: true });
    assert.equal(decision.status, 'connection-reset');
    assert.deepEqual(decision.decidedBy, {
      kind: 'PeerAuthentication', namespace: 'foo', name: 'default', action: 'STRICT', ruleIndex: null,
    });
    assert.equal(decide(pa('foo', 'default', 'mtls:\n  mode: STRICT'), FROM_CURL).decision, 'ALLOW');
  });

  it('takes the mesh-wide policy of the root namespace, which a namespace policy overrides', () => {
    const mesh = pa('istio-system', 'default', 'mtls:\n  mode: STRICT');
    const plaintext: RawOptions = { to: HTTPBIN, port: '8080', plaintext: true };
    assert.equal(decide(mesh, plaintext).status, 'connection-reset');
    assert.equal(decide(mesh + pa('foo', 'default', 'mtls:\n  mode: PERMISSIVE'), plaintext).status, 200);
  });

  it('lets a workload policy override the namespace and a port-level mode override the workload', () => {
    const namespaceStrict = pa('foo', 'default', 'mtls:\n  mode: STRICT');
    const workload = pa('foo', 'httpbin', 'selector:\n  matchLabels:\n    app: httpbin\nmtls:\n  mode: STRICT\nportLevelMtls:\n  8080:\n    mode: DISABLE\n  9000:\n    mode: UNSET');
    const plaintext = (port: string): RawOptions => ({ to: HTTPBIN, port, plaintext: true });
    assert.equal(decide(namespaceStrict + workload, plaintext('8080')).status, 200);
    assert.equal(decide(namespaceStrict + workload, plaintext('9000')).status, 'connection-reset');
    const permissive = pa('foo', 'httpbin', 'selector:\n  matchLabels:\n    app: httpbin\nmtls:\n  mode: PERMISSIVE');
    assert.equal(decide(namespaceStrict + permissive, plaintext('9000')).status, 200);
  });

  it('ignores a selector PeerAuthentication in the root namespace', () => {
    const rootSelector = pa('istio-system', 'httpbin', 'selector:\n  matchLabels:\n    app: httpbin\nmtls:\n  mode: STRICT');
    assert.equal(decide(rootSelector, { to: HTTPBIN, port: '8080', plaintext: true }).status, 200);
  });

  it('takes the oldest of two workload policies, then the first name', () => {
    const strict = pa('foo', 'b-strict', 'selector:\n  matchLabels:\n    app: httpbin\nmtls:\n  mode: STRICT', '2026-01-01T00:00:00Z');
    const disable = pa('foo', 'a-disable', 'selector:\n  matchLabels:\n    app: httpbin\nmtls:\n  mode: DISABLE', '2026-02-01T00:00:00Z');
    const plaintext: RawOptions = { to: HTTPBIN, port: '8080', plaintext: true };
    assert.equal(decide(strict + disable, plaintext).status, 'connection-reset');
    const sameTime = disable.replace('2026-02-01', '2026-01-01');
    assert.equal(decide(strict + sameTime, plaintext).status, 200);
    // Not applied yet (no timestamp), so newer than any applied policy once it is.
    const unapplied = pa('foo', 'a-disable', 'selector:\n  matchLabels:\n    app: httpbin\nmtls:\n  mode: DISABLE');
    assert.equal(decide(strict + unapplied, plaintext).status, 'connection-reset');
  });

  it('drops the peer identity on a DISABLE port, so principals no longer match', () => {
    const disable = pa('foo', 'default', 'mtls:\n  mode: DISABLE');
    const allowCurl = ap('foo', 'allow-curl', 'rules:\n- from:\n  - source:\n      principals: [cluster.local/ns/foo/sa/curl]');
    assert.equal(decide(allowCurl, FROM_CURL).decision, 'ALLOW');
    assert.equal(verdict(decide(disable + allowCurl, FROM_CURL)), 'DENY 403 default');
  });

  it('gives plaintext an empty identity: positive matches fail, negative matches succeed', () => {
    const denyFoo = ap('foo', 'deny-foo', 'action: DENY\nrules:\n- from:\n  - source:\n      namespaces: [foo]');
    const plaintext: RawOptions = { to: HTTPBIN, port: '8080', plaintext: true };
    assert.equal(decide(denyFoo, plaintext).decision, 'ALLOW');
    assert.equal(decide(denyFoo, FROM_CURL).decision, 'DENY');
    const allowNotBar = ap('foo', 'allow-not-bar', 'rules:\n- from:\n  - source:\n      notNamespaces: [bar]');
    assert.equal(decide(allowNotBar, plaintext).decision, 'ALLOW');
    const requireMtls = ap('foo', 'require-mtls', 'action: DENY\nrules:\n- from:\n  - source:\n      notPrincipals: ["*"]');
    assert.equal(decide(requireMtls, plaintext).decision, 'DENY');
    assert.equal(decide(requireMtls, FROM_CURL).decision, 'ALLOW');
  });
});

describe('tokens', () => {
  const withToken: RawOptions = { ...FROM_CURL, 'jwt-issuer': 'issuer-a', 'jwt-subject': 'alice', 'jwt-claim': ['aud=orders'] };

  it('refuses an invalid token with 401 and accepts a request without one', () => {
    assert.equal(verdict(decide(RA_HTTPBIN, { ...withToken, 'jwt-invalid': true })), 'DENY 401 RequestAuthentication/jwt');
    assert.equal(verdict(decide(RA_HTTPBIN, FROM_CURL)), 'ALLOW 200 default');
  });

  it('refuses a token of an issuer no rule accepts with 401, and one for another audience with 403', () => {
    assert.equal(decide(RA_HTTPBIN, { ...withToken, 'jwt-issuer': 'issuer-b' }).status, 401);
    assert.equal(decide(RA_HTTPBIN, { ...withToken, 'jwt-claim': ['aud=billing'] }).status, 403);
    assert.equal(decide(RA_HTTPBIN, withToken).status, 200);
  });

  it('makes a token mandatory only with a policy: requestPrincipals ["*"] needs a verified token', () => {
    const requireJwt = ap('foo', 'require-jwt', 'rules:\n- from:\n  - source:\n      requestPrincipals: ["*"]');
    assert.equal(decide(RA_HTTPBIN + requireJwt, FROM_CURL).status, 403);
    assert.equal(verdict(decide(RA_HTTPBIN + requireJwt, withToken)), 'ALLOW 200 AuthorizationPolicy/require-jwt#0');
    // Without a RequestAuthentication the token is never verified, so it names no principal.
    assert.equal(decide(requireJwt, withToken).status, 403);
  });

  it('reads requestPrincipals as issuer and subject split at the last slash', () => {
    const cases: [string, string, string, boolean][] = [
      ['https://idp.example.com/*', 'https://idp.example.com', 'alice', true],
      ['https://idp.example.com/*', 'https://other.example.com', 'alice', false],
      ['*/alice', 'anything', 'alice', true],
      ['*/alice', 'anything', 'bob', false],
      ['*', 'issuer', '', false],
    ];
    for (const [pattern, issuer, subject, allowed] of cases) {
      const ra = RA_HTTPBIN.replace('issuer: issuer-a', `issuer: "${issuer}"`).replace('    audiences: [orders]\n', '');
      const policy = ap('foo', 'p', `rules:\n- from:\n  - source:\n      requestPrincipals: ["${pattern}"]`);
      const options: RawOptions = { ...FROM_CURL, 'jwt-issuer': issuer, 'jwt-subject': subject };
      assert.equal(decide(ra + policy, options).decision === 'ALLOW', allowed, `${pattern} vs ${issuer}/${subject}`);
    }
  });

  it('matches a list claim when any element matches, and splits scope on spaces', () => {
    const policy = ap('foo', 'groups', 'rules:\n- when:\n  - key: request.auth.claims[groups]\n    values: [group1]\n  - key: request.auth.claims[scope]\n    values: [write]');
    const ra = RA_HTTPBIN.replace('    audiences: [orders]\n', '');
    const base: RawOptions = { ...FROM_CURL, 'jwt-issuer': 'issuer-a', 'jwt-subject': 's' };
    assert.equal(decide(ra + policy, { ...base, 'jwt-claim': ['groups=group2', 'groups=group1', 'scope=read write'] }).decision, 'ALLOW');
    assert.equal(decide(ra + policy, { ...base, 'jwt-claim': ['groups=group2', 'scope=read write'] }).decision, 'DENY');
    assert.equal(decide(ra + policy, { ...base, 'jwt-claim': ['groups=group1', 'scope=read'] }).decision, 'DENY');
  });
});

describe('TCP', () => {
  const tcp: RawOptions = { to: 'foo/app=tcp-echo', port: '9000', protocol: 'tcp', 'from-namespace': 'foo', 'from-sa': 'curl' };

  it('drops an ALLOW rule that uses an HTTP-only field, so the connection is reset', () => {
    const policy = ap('foo', 'tcp-policy', 'selector:\n  matchLabels:\n    app: tcp-echo\nrules:\n- to:\n  - operation:\n      methods: [GET]\n      ports: ["9000"]');
    const decision = decide(policy, tcp);
    assert.equal(verdict(decision), 'DENY connection-reset default');
    assert.ok(decision.steps.some((step) => step.message.includes('drops it on TCP')));
    const portsOnly = policy.replace('      methods: [GET]\n', '');
    assert.equal(decide(portsOnly, tcp).status, 200);
  });

  it('drops only the HTTP-only field of a DENY rule, which then denies every port it still covers', () => {
    const methodsOnly = ap('foo', 'tcp-policy', 'action: DENY\nrules:\n- to:\n  - operation:\n      methods: [GET]');
    assert.equal(decide(methodsOnly, tcp).status, 'connection-reset');
    assert.equal(decide(methodsOnly, { ...tcp, port: '9001' }).status, 'connection-reset');
    assert.ok(decide(methodsOnly, tcp).steps.some((step) => step.message.includes('loses its HTTP-only fields on TCP')));
    const withPort = ap('foo', 'tcp-policy', 'action: DENY\nrules:\n- to:\n  - operation:\n      methods: [GET]\n      ports: ["9000"]');
    assert.equal(decide(withPort, tcp).status, 'connection-reset');
    assert.equal(decide(withPort, { ...tcp, port: '9001' }).status, 200);
  });
});

describe('matching', () => {
  it('reads exact, prefix, suffix and presence forms on paths', () => {
    const policy = (path: string): string =>
      ap('foo', 'deny', `action: DENY\nrules:\n- to:\n  - operation:\n      paths: ["${path}"]`);
    const status = (path: string, requested: string): number | string =>
      decide(policy(path), { ...FROM_CURL, path: requested }).status;
    assert.equal(status('/admin', '/admin'), 403);
    assert.equal(status('/admin', '/admin/x'), 200);
    assert.equal(status('/admin*', '/admin/x'), 403);
    assert.equal(status('*.json', '/data/a.json'), 403);
    assert.equal(status('*', '/anything'), 403);
    assert.equal(status('/api/{*}/items', '/api/v1/items'), 403);
    assert.equal(status('/api/{*}/items', '/api/v1/x/items'), 200);
    assert.equal(status('/files/{**}', '/files/a/b/c'), 403);
  });

  it('matches the path authorization sees: normalized, without the query string', () => {
    const deny = ap('foo', 'deny', 'action: DENY\nrules:\n- to:\n  - operation:\n      paths: [/admin]');
    assert.equal(decide(deny, { ...FROM_CURL, path: '/public/../admin?x=1' }).status, 403);
    assert.equal(decide(deny, { ...FROM_CURL, path: '/%61dmin' }).status, 403);
    assert.equal(normalizePath('/data//secret'), '/data//secret');
  });

  it('compares hosts without regard to case, methods with it', () => {
    const policy = ap('foo', 'deny', 'action: DENY\nrules:\n- to:\n  - operation:\n      hosts: [Example.COM]\n      methods: [PUT]');
    assert.equal(decide(policy, { ...FROM_CURL, host: 'example.com', method: 'PUT' }).status, 403);
    const custom = ap('foo', 'deny', 'action: DENY\nrules:\n- to:\n  - operation:\n      methods: [Purge]');
    assert.equal(decide(custom, { ...FROM_CURL, method: 'PURGE' }).status, 200);
  });

  it('answers 400 for what the proxy refuses before any policy: lower-case methods, %00, spaces in header names', () => {
    const allowAll = ap('foo', 'allow', 'rules:\n- {}');
    assert.equal(verdict(decide(allowAll, { ...FROM_CURL, method: 'get' })), 'DENY 400 default');
    assert.equal(decide(allowAll, { ...FROM_CURL, path: '/admin%00' }).status, 400);
    assert.equal(decide(allowAll, { ...FROM_CURL, header: ['a b=c'] }).status, 400);
    assert.equal(decide(allowAll, { ...FROM_CURL, method: 'GET', path: '/admin' }).status, 200);
  });

  it('takes an HTTP request without --method and --path as GET /, as curl sends it', () => {
    const denyGetRoot = ap('foo', 'deny', 'action: DENY\nrules:\n- to:\n  - operation:\n      methods: [GET]\n      paths: [/]');
    const decision = decide(denyGetRoot, FROM_CURL);
    assert.equal(decision.status, 403);
    assert.ok(decision.steps.some((step) => step.message.includes('method GET, path /')));
  });

  it('reads every * in a namespace pattern as any text, as Envoy proxies do', () => {
    const policy = ap('foo', 'deny', 'action: DENY\nrules:\n- from:\n  - source:\n      namespaces: ["team-*-prod"]');
    assert.equal(decide(policy, { ...FROM_CURL, 'from-namespace': 'team-a-prod' }).status, 403);
    assert.equal(decide(policy, { ...FROM_CURL, 'from-namespace': 'team-a-dev' }).status, 200);
  });

  it('expands principals of the local trust domain, its aliases and cluster.local, and no other', () => {
    const allow = (principal: string): string =>
      ap('foo', 'allow', `rules:\n- from:\n  - source:\n      principals: ["${principal}"]`);
    const newTd: RawOptions = { ...FROM_CURL, 'trust-domain': 'new-td' };
    assert.equal(decide(allow('cluster.local/ns/foo/sa/curl'), newTd).decision, 'ALLOW');
    assert.equal(decide(allow('old-td/ns/foo/sa/curl'), newTd).decision, 'DENY');
    assert.equal(decide(allow('old-td/ns/foo/sa/curl'), { ...newTd, 'trust-domain-alias': ['old-td'] }).decision, 'ALLOW');
  });

  it('reads a bare service account in the policy namespace, in serviceAccounts and in source.serviceAccount', () => {
    const policy = ap('foo', 'allow', 'rules:\n- from:\n  - source:\n      serviceAccounts: [curl]');
    assert.equal(decide(policy, FROM_CURL).decision, 'ALLOW');
    assert.equal(decide(policy, { ...FROM_CURL, 'from-namespace': 'bar' }).decision, 'DENY');
    const condition = ap('foo', 'allow', 'rules:\n- when:\n  - key: source.serviceAccount\n    values: [curl]');
    assert.equal(decide(condition, FROM_CURL).decision, 'ALLOW');
    assert.equal(decide(condition, { ...FROM_CURL, 'from-namespace': 'bar' }).decision, 'DENY');
    const qualified = ap('foo', 'allow', 'rules:\n- when:\n  - key: source.serviceAccount\n    values: [bar/curl]');
    assert.equal(decide(qualified, { ...FROM_CURL, 'from-namespace': 'bar' }).decision, 'ALLOW');
  });

  it('matches ipBlocks on the peer address and remoteIpBlocks on the client address', () => {
    const policy = ap('foo', 'allow', 'rules:\n- from:\n  - source:\n      remoteIpBlocks: [5.6.7.0/24]');
    assert.equal(decide(policy, { to: HTTPBIN, 'source-ip': '10.0.0.1', 'remote-ip': '5.6.7.8' }).decision, 'ALLOW');
    assert.equal(decide(policy, { to: HTTPBIN, 'source-ip': '5.6.7.8' }).decision, 'ALLOW');
    assert.equal(decide(policy, { to: HTTPBIN, 'source-ip': '5.6.8.1' }).decision, 'DENY');
    const ipBlocks = policy.replace('remoteIpBlocks', 'ipBlocks');
    assert.equal(decide(ipBlocks, { to: HTTPBIN, 'source-ip': '10.0.0.1', 'remote-ip': '5.6.7.8' }).decision, 'DENY');
  });

  it('reads request headers case-insensitively by name, and a missing header as matching notValues', () => {
    const policy = ap('foo', 'deny', 'action: DENY\nrules:\n- when:\n  - key: request.headers[X-Token]\n    notValues: [admin]');
    assert.equal(decide(policy, { ...FROM_CURL, header: ['x-token=admin'] }).status, 200);
    assert.equal(decide(policy, { ...FROM_CURL, header: ['x-token=guest'] }).status, 403);
    assert.equal(decide(policy, FROM_CURL).status, 403);
  });

  it('says when a condition reads an attribute the request does not carry, and lets it match nothing', () => {
    const policy = ap('foo', 'allow', 'rules:\n- when:\n  - key: connection.sni\n    values: [a.example.com]');
    const decision = decide(policy, FROM_CURL);
    assert.equal(decision.decision, 'DENY');
    assert.ok(decision.steps.some((step) => step.message.includes('carries no connection.sni')));
    const negated = ap('foo', 'deny', 'action: DENY\nrules:\n- when:\n  - key: destination.ip\n    notValues: [10.9.9.9]');
    assert.equal(decide(negated, FROM_CURL).decision, 'ALLOW');
  });

  it('splits the claims a RequestAuthentication lists in spaceDelimitedClaims', () => {
    const ra = RA_HTTPBIN.replace('    audiences: [orders]\n', '    spaceDelimitedClaims: [roles]\n');
    const policy = ap('foo', 'ops', 'rules:\n- when:\n  - key: request.auth.claims[roles]\n    values: [ops]');
    const base: RawOptions = { ...FROM_CURL, 'jwt-issuer': 'issuer-a', 'jwt-subject': 's', 'jwt-claim': ['roles=dev ops'] };
    assert.equal(decide(ra + policy, base).decision, 'ALLOW');
    assert.equal(decide(RA_HTTPBIN.replace('    audiences: [orders]\n', '') + policy, base).decision, 'DENY');
  });

  it('skips token checks for a CORS preflight request', () => {
    const preflight: RawOptions = {
      ...FROM_CURL, method: 'OPTIONS', header: ['origin=https://a.example', 'access-control-request-method=POST'], 'jwt-invalid': true,
    };
    assert.equal(decide(RA_HTTPBIN, preflight).status, 200);
    assert.equal(decide(RA_HTTPBIN, { ...preflight, header: ['origin=https://a.example'] }).status, 401);
  });
});
