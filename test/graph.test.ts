// Tests for `npm run graph` (scripts/graph.ts and scripts/lib/graph/): strict validation of the
// inventory; edges computed through the simulator (allowed and denied calls, methods and ports on
// the labels, "some paths" and "any method" judged with a method and a path no policy names,
// "with JWT", TCP, workloads without a sidecar, the caller outside the mesh, callers asked about
// together only when no policy value can tell them apart); each coverage finding with a case that
// triggers it and one that does not; the Mermaid text of a small case pinned in
// test/graph/small/graph.mmd, its ids, and its size against Mermaid's limits; the SVG
// well-formed; the command's flags, files (all or none), stdout, stderr, warnings and exit codes.
//
// Run: node --import tsx --test test/graph.test.ts

import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import yaml from 'js-yaml';

import { parseArguments } from '../scripts/graph.js';
import { readText } from '../scripts/lib/check/read.js';
import type { IstioDocument } from '../scripts/lib/check/types.js';
import { UsageError } from '../scripts/lib/errors.js';
import { readManifests } from '../scripts/lib/explain/manifests.js';
import { explain } from '../scripts/lib/explain/evaluate.js';
import {
  DEFAULT_MESH,
  type MeshSettings,
  type PeerIdentity,
} from '../scripts/lib/explain/types.js';
import { candidatesFor, instantiatePath } from '../scripts/lib/graph/candidates.js';
import { coverageOf } from '../scripts/lib/graph/coverage.js';
import { buildGraph } from '../scripts/lib/graph/edges.js';
import { identityFragments, mayBeNamed } from '../scripts/lib/graph/identities.js';
import { parseInventory, readInventory, type Workload } from '../scripts/lib/graph/inventory.js';
import {
  edgeLabel,
  layoutEngine,
  mermaidLimitWarnings,
  renderSvg,
  toMermaid,
} from '../scripts/lib/graph/render.js';
import { coverageMarkdown } from '../scripts/lib/graph/report.js';
import { OUTSIDE_ID, type Graph, type GraphEdge } from '../scripts/lib/graph/types.js';
import { PROJECT_ROOT } from '../scripts/lib/paths.js';

const GRAPH_SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'graph.ts');
const SMALL_DIR = path.join(PROJECT_ROOT, 'test', 'graph', 'small');
const SMALL_MANIFESTS = path.join(SMALL_DIR, 'manifests.yaml');
const SMALL_INVENTORY = path.join(SMALL_DIR, 'inventory.yaml');
const SMALL_MERMAID = path.join(SMALL_DIR, 'graph.mmd');
const BOOKINFO_MANIFESTS = path.join(PROJECT_ROOT, 'test', 'graph', 'bookinfo', 'manifests.yaml');
const BOOKINFO_INVENTORY = path.join(PROJECT_ROOT, 'examples', 'inventory', 'bookinfo.yaml');
const BOOKINFO_PINNED_RENDER = path.join(
  PROJECT_ROOT,
  'test',
  'examples',
  'bookinfo.expected.yaml',
);
const MESH = DEFAULT_MESH;

// Two workloads of namespace shop for the coverage cases: api (ports 8080 and 9090) and web.
const SHOP = `workloads:
- {name: api, namespace: shop, labels: {app: api}, serviceAccount: api, ports: [{port: 8080}, {port: 9090}]}
- {name: web, namespace: shop, labels: {app: web}, serviceAccount: web, ports: [{port: 8080}]}
`;
const STRICT_NAMESPACE = peerAuthentication('default', '', 'mode: STRICT');
const API_JWT = `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: api-jwt, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  jwtRules: [{issuer: https://auth.example.com}]
`;

describe('inventory', () => {
  test('fills in the defaults: labels {}, serviceAccount default, protocol http, sidecar true', () => {
    const [workload] = parseInventory(
      'workloads: [{name: web, namespace: shop, ports: [{port: 8080}]}]',
      'inventory.yaml',
    ).workloads;
    assert.deepEqual(workload, {
      name: 'web',
      namespace: 'shop',
      labels: {},
      serviceAccount: 'default',
      ports: [{ port: 8080, protocol: 'http' }],
      sidecar: true,
    });
  });

  test('sorts the workloads by namespace and name, and the ports by number', () => {
    const { workloads } = parseInventory(
      `workloads:
- {name: b, namespace: y, ports: [{port: 90}, {port: 80, protocol: tcp}]}
- {name: a, namespace: y}
- {name: c, namespace: x}
`,
      'inventory.yaml',
    );
    assert.deepEqual(
      workloads.map(({ namespace, name }) => `${namespace}/${name}`),
      ['x/c', 'y/a', 'y/b'],
    );
    assert.deepEqual(
      workloads[2]?.ports.map(({ port }) => port),
      [80, 90],
    );
  });

  test('fails on an unknown key, naming its path and the key it resembles', () => {
    const message = inventoryError(
      'workloads: [{name: web, namespace: shop, serviceaccount: web}]\nworkload: []\n',
    );
    assert.match(
      message,
      /^- workloads\[0\]\.serviceaccount: is not a known key; did you mean serviceAccount\?/m,
    );
    assert.match(message, /^- workload: is not a known key; did you mean workloads\?/m);
  });

  test('fails on values of the wrong type, each with its path, the problem and the fix', () => {
    const message = inventoryError(`workloads:
- name: 42
  namespace: Shop
  labels: {version: 1.0}
  ports: [{port: "9080", protocol: grpc}]
  sidecar: "yes"
`);
    assert.equal(message.split('\n')[0], 'invalid inventory inventory.yaml:');
    const lines = message.split('\n').slice(1);
    assert.deepEqual(
      lines.map((line) => line.slice(0, line.indexOf(';'))),
      [
        '- workloads[0].name: is 42, which YAML reads as a number, not a string',
        '- workloads[0].namespace: "Shop" is not a DNS label',
        '- workloads[0].labels.version: is 1.0, which YAML reads as the number 1, not a string',
        '- workloads[0].ports[0].port: is the string "9080", not a port number',
        '- workloads[0].ports[0].protocol: is the string "grpc", not http or tcp',
        '- workloads[0].sidecar: is the string "yes", not true or false',
      ],
    );
    assert.match(message, /labels\.version: .*; quote it: `version: "1\.0"`$/m);
    assert.match(message, /\.name: .*; quote it: `name: "42"`$/m);
    assert.match(message, /protocol: .*; write http \(also for HTTP\/2 and gRPC\) or tcp/);
  });

  test('names a value YAML reads as a date or a number as written, and says to quote it', () => {
    const message = inventoryError(
      'workloads: [{name: 2024-01-01, namespace: shop, labels: {version: 1.0}}]\n',
    );
    assert.deepEqual(message.split('\n').slice(1), [
      '- workloads[0].name: is 2024-01-01, which YAML reads as a date, not a string; quote it: `name: "2024-01-01"`',
      '- workloads[0].labels.version: is 1.0, which YAML reads as the number 1, not a string; quote it: `version: "1.0"`',
    ]);
  });

  test('fails when a workload or a port is listed twice', () => {
    const message = inventoryError(`workloads:
- {name: web, namespace: shop, ports: [{port: 8080}, {port: 8080, protocol: tcp}]}
- {name: web, namespace: shop}
`);
    assert.match(
      message,
      /^- workloads\[0\]\.ports\[1\]\.port: 8080 is already listed at workloads\[0\]\.ports\[0\]; list each port once$/m,
    );
    assert.match(message, /^- workloads\[1\]: shop\/web is already listed at workloads\[0\]; /m);
  });

  test('fails on a key written twice in one map, naming its line', () => {
    const message = inventoryError('workloads:\n- name: web\n  name: api\n  namespace: shop\n');
    assert.match(message, /^- line 3: duplicated mapping key; keep one of the two entries$/m);
  });

  test('fails when workloads is missing or empty, and when the file is not one map', () => {
    assert.match(inventoryError('{}'), /^- workloads: is missing; /m);
    assert.match(inventoryError('workloads: []'), /^- workloads: is empty; /m);
    assert.match(inventoryError('- web'), /^- \(file\): is a list, not a map; /m);
    assert.match(inventoryError(''), /^- \(file\): is empty; /m);
    assert.match(inventoryError('workloads: {web: {}}'), /^- workloads: is a map, not a list; /m);
    assert.match(inventoryError('workloads: []\n---\nworkloads: []\n'), /holds 2 YAML documents/);
    assert.match(
      inventoryError('workloads: [{namespace: shop}]'),
      /^- workloads\[0\]\.name: is missing; /m,
    );
  });
});

describe('edges', () => {
  let small: Graph;

  before(() => {
    small = graphOf(SMALL_MANIFESTS, SMALL_INVENTORY);
  });

  test('draws an edge for an allowed call and none for a denied one', () => {
    assert.notEqual(edge(small, 'shop/web', 'shop/api', 8080), undefined);
    assert.equal(edge(small, 'shop/api', 'shop/web', 8080), undefined);
  });

  test('labels an edge with its port and the methods allowed', () => {
    const webToApi = edge(small, 'shop/web', 'shop/api', 8080);
    assert.deepEqual(webToApi?.access?.methods, ['GET', 'POST', 'DELETE']);
    assert.deepEqual(webToApi?.allowedBy, ['shop/api-from-web', 'shop/api-put-with-token']);
    assert.match(edgeLabel(required(webToApi)), /^8080 GET, POST, DELETE \(some paths\)/);
  });

  test('draws one edge per port, each with what that port allows', () => {
    assert.deepEqual(edge(small, 'shop/web', 'shop/api', 9090)?.access?.methods, ['GET']);
    // Plaintext from outside the mesh reaches the PERMISSIVE port 9090 only.
    assert.notEqual(edge(small, OUTSIDE_ID, 'shop/api', 9090), undefined);
    assert.equal(edge(small, OUTSIDE_ID, 'shop/api', 8080), undefined);
  });

  test('marks an edge "some paths" when a method is allowed only on some candidate paths', () => {
    const access = edge(small, 'shop/web', 'shop/api', 8080)?.access;
    assert.equal(access?.somePaths, true);
    assert.deepEqual(access?.paths, ['/', '/admin/x']);
    assert.equal(edge(small, 'shop/web', 'shop/api', 9090)?.access?.somePaths, false);
  });

  test('marks an edge "with JWT" when a valid token allows more, dashed when only a token does', () => {
    const webToApi = required(edge(small, 'shop/web', 'shop/api', 8080));
    assert.deepEqual(webToApi.withJwt?.methods, ['GET', 'POST', 'PUT', 'DELETE']);
    const dbToApi = required(edge(small, 'shop/db', 'shop/api', 8080));
    assert.equal(dbToApi.access, null);
    assert.deepEqual(dbToApi.withJwt?.methods, ['PUT']);
    assert.equal(edgeLabel(dbToApi), '8080 with JWT: PUT');
    assert.match(toMermaid(small), /^ {2}w_shop__db -\.->\|"8080 with JWT: PUT"\| w_shop__api$/m);
    assert.equal(edge(small, 'shop/web', 'shop/api', 9090)?.withJwt, null);
  });

  test('draws a TCP edge without methods', () => {
    const apiToDb = required(edge(small, 'shop/api', 'shop/db', 5432));
    assert.equal(edgeLabel(apiToDb), '5432 tcp');
    assert.equal(edge(small, 'shop/web', 'shop/db', 5432), undefined);
  });

  test('draws every call to a workload without a sidecar as allowed and not enforced', () => {
    const callers = small.edges.filter(({ to }) => to === 'shop/legacy').map(({ from }) => from);
    assert.deepEqual(callers, ['shop/api', 'shop/db', 'shop/web', OUTSIDE_ID]);
    const fromWeb = required(edge(small, 'shop/web', 'shop/legacy', 80));
    assert.equal(fromWeb.enforced, false);
    assert.equal(edgeLabel(fromWeb), '80 any method (no sidecar)');
  });

  test('gives the same graph whatever the order of the inventory', () => {
    const { documents } = readManifests([SMALL_MANIFESTS], 'default');
    const workloads = readInventory(SMALL_INVENTORY).workloads;
    const reversed = buildGraph(documents, [...workloads].reverse(), MESH);
    assert.deepEqual(reversed, small);
  });

  test('pins the Mermaid flowchart of the small case (test/graph/small/graph.mmd)', () => {
    assert.equal(
      toMermaid(small),
      readFileSync(SMALL_MERMAID, 'utf8'),
      'review the change, then copy graph.mmd from `npx tsx scripts/graph.ts -f test/graph/small/manifests.yaml --inventory test/graph/small/inventory.yaml --out DIR`',
    );
  });

  test('renders well-formed SVG with Graphviz holding every node name', async () => {
    const svg = await renderSvg(small);
    assertWellFormedXml(svg);
    assert.match(svg, /<svg[\s>]/);
    for (const name of ['api', 'db', 'legacy (no sidecar)', 'web', 'outside the mesh', 'shop']) {
      assert.ok(svg.includes(`>${name}</text>`), `no text ${name} in the SVG`);
    }
    assert.ok(svg.includes('>5432 tcp</text>'));
  });

  test('draws the bookinfo example: the gateway reaches productpage on /health, anywhere with a JWT', () => {
    const bookinfo = graphOf(BOOKINFO_MANIFESTS, BOOKINFO_INVENTORY);
    const gateway = 'istio-system/istio-ingressgateway';
    const toProductpage = required(edge(bookinfo, gateway, 'bookinfo/productpage-v1', 9080));
    assert.deepEqual(toProductpage.access?.paths, ['/health']);
    assert.equal(edgeLabel(toProductpage), '9080 GET (some paths); with JWT: GET');
    const reviews = ['reviews-v1', 'reviews-v2', 'reviews-v3'].map((name) => `bookinfo/${name}`);
    const toRatings = bookinfo.edges.filter(({ to }) => to === 'bookinfo/ratings-v1');
    assert.deepEqual(
      toRatings.map(({ from }) => from),
      reviews,
    );
    assert.equal(edge(bookinfo, OUTSIDE_ID, 'bookinfo/productpage-v1', 9080), undefined);
  });

  test('uses a bookinfo fixture equal to the pinned render of examples/bookinfo.ts', () => {
    assert.deepEqual(
      yaml.loadAll(readFileSync(BOOKINFO_MANIFESTS, 'utf8')),
      yaml.loadAll(readFileSync(BOOKINFO_PINNED_RENDER, 'utf8')),
      `copy ${path.relative(PROJECT_ROOT, BOOKINFO_PINNED_RENDER)} to test/graph/bookinfo/manifests.yaml`,
    );
  });

  test('instantiates path patterns into paths they match', () => {
    assert.deepEqual(['/api/*', '*.css', '/a/{*}/b/{**}', '/health', '*'].map(instantiatePath), [
      ['/api/x'],
      ['/x.css'],
      ['/a/x/b/x'],
      ['/health'],
      [],
    ]);
  });

  test('says "(some paths)" when only the paths a policy names are allowed, even `/` alone', () => {
    const rootOnly = allowPolicy('api-root', 'app: api', '{to: [{operation: {paths: ["/"]}}]}');
    assert.equal(webToApiLabel([rootOnly]), '8080 any method (some paths)');
    assert.equal(webToApiLabel([allowPolicy('api-any', 'app: api')]), '8080 any method');
  });

  test('says "any method" only when a method no policy names is allowed too', () => {
    const standard = allowPolicy(
      'api-standard',
      'app: api',
      '{to: [{operation: {methods: [GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS]}}]}',
    );
    const notDelete = allowPolicy(
      'api-not-delete',
      'app: api',
      '{to: [{operation: {notMethods: [DELETE]}}]}',
    );
    assert.equal(webToApiLabel([standard]), '8080 GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
    assert.equal(webToApiLabel([notDelete]), '8080 any method except DELETE');
  });

  test('tries a method and a path that no policy names', () => {
    const naming = allowPolicy(
      'api-naming',
      'app: api',
      '{to: [{operation: {methods: [TRACE, CONNECT], paths: [/graph-unlisted-path]}}]}',
    );
    const api = { namespace: 'shop', labels: { app: 'api' } };
    const candidates = candidatesFor(documentsOf([naming]), api, MESH);
    assert.equal(candidates.unlistedMethod, 'PROPFIND');
    assert.equal(candidates.unlistedPath, '/graph-unlisted-path-2');
    const plain = candidatesFor([], api, MESH);
    assert.deepEqual([plain.unlistedMethod, plain.unlistedPath], ['TRACE', '/graph-unlisted-path']);
  });

  test('draws edges from the callers a wildcard, a bare service account or a not-value admits', () => {
    const inventory = `workloads:
- {name: api, namespace: shop, labels: {app: api}, serviceAccount: api, ports: [{port: 8080}]}
- {name: front, namespace: front-end, serviceAccount: web}
- {name: ops, namespace: tools, serviceAccount: ops}
- {name: audit, namespace: shop, serviceAccount: audit}
- {name: a, namespace: other, serviceAccount: a}
- {name: b, namespace: other, serviceAccount: b}
`;
    const callersOf = (rule: string): string[] =>
      buildGraph(
        documentsOf([allowPolicy('api-callers', 'app: api', rule)]),
        workloadsOf(inventory),
        MESH,
      )
        .edges.filter(({ to }) => to === 'shop/api')
        .map(({ from }) => from);
    const named =
      '{from: [{source: {namespaces: ["fr*"]}}, {source: {principals: ["*/sa/ops"]}}, {source: {serviceAccounts: [audit]}}]}';
    assert.deepEqual(callersOf(named), ['front-end/front', 'shop/audit', 'tools/ops']);
    assert.deepEqual(callersOf('{from: [{source: {notNamespaces: [other]}}]}'), [
      'front-end/front',
      'shop/audit',
      'tools/ops',
      OUTSIDE_ID,
    ]);
  });

  test('treats alike only callers the simulator answers alike for every value tried', () => {
    const mesh: MeshSettings = { ...MESH, trustDomainAliases: ['old.example'] };
    const sources: [string, string][] = [
      ['principals', 'cluster.local/ns/a/sa/b'],
      ['principals', 'old.example/ns/a/sa/b'],
      ['principals', 'cluster.local/ns/a/*'],
      ['principals', '*/sa/b'],
      ['principals', '*'],
      ['notPrincipals', 'cluster.local/ns/a/sa/b'],
      ['namespaces', 'a'],
      ['namespaces', 'a*'],
      ['namespaces', '*a'],
      ['namespaces', 'a*b'],
      ['notNamespaces', 'ab'],
      ['serviceAccounts', 'a/b'],
      ['serviceAccounts', 'b'],
      ['notServiceAccounts', 'x/b'],
      ['trustDomains', 'old.example'],
    ];
    const conditions: [string, string][] = [
      ['source.principal', 'old.example/ns/xab/*'],
      ['source.namespace', 'a*b'],
      ['source.serviceAccount', 'shop/b'],
      ['source.trustDomain', 'cluster.local'],
    ];
    const rules = [
      ...sources.map(([field, value]) => `{from: [{source: {${field}: ["${value}"]}}]}`),
      ...conditions.map(([key, value]) => `{when: [{key: ${key}, values: ["${value}"]}]}`),
      ...conditions.map(([key, value]) => `{when: [{key: ${key}, notValues: ["${value}"]}]}`),
    ];
    const peers = ['a/b', 'a/c', 'ab/b', 'xab/b', 'axb/y', 'x/b', 'shop/b', 'y/z'].map(peerOf);
    for (const rule of rules) {
      const documents = documentsOf([allowPolicy('api-rule', 'app: api', rule)]);
      const fragments = identityFragments(documents);
      const unnamed = peers.filter((peer) => !mayBeNamed(fragments, peer.principal));
      const decisions = unnamed.map((peer) => explain(documents, requestFrom(peer), mesh).decision);
      assert.equal(
        new Set(decisions).size <= 1,
        true,
        `${rule}: ${unnamed.map(({ principal }) => principal).join(', ')} decided ${decisions.join(', ')}`,
      );
    }
  });
});

describe('rendering', () => {
  test('gives namespaces and workloads ids that cannot collide', () => {
    const graph = buildGraph(
      [],
      workloadsOf('workloads: [{name: b, namespace: ns-a}, {name: x, namespace: a--b}]'),
      MESH,
    );
    const mermaid = toMermaid(graph);
    const subgraphs = [...mermaid.matchAll(/^ {2}subgraph (\S+) /gm)].map((match) => match[1]);
    const nodes = [...mermaid.matchAll(/^ +(\w+)[[(]/gm)].map((match) => match[1]);
    assert.deepEqual(subgraphs, ['ns_a__b', 'ns_ns_a']);
    assert.deepEqual(nodes, ['w_a__b__x', 'w_ns_a__b', 'outside']);
  });

  test('lays out the SVG with fdp only when a namespace holds more than 200 workloads', () => {
    const namespaceOf = (size: number): Graph => ({
      nodes: Array.from({ length: size }, (_, index) => ({
        id: `shop/w${index}`,
        label: `w${index}`,
        namespace: 'shop',
        sidecar: true,
      })),
      edges: [],
    });
    assert.equal(layoutEngine(namespaceOf(200)), 'dot');
    assert.equal(layoutEngine(namespaceOf(201)), 'fdp');
  });

  test("warns when the flowchart exceeds Mermaid's default maxEdges or maxTextSize, naming the setting", () => {
    assert.deepEqual(mermaidLimitWarnings('x'.repeat(50_000), 500, 'graph.mmd'), []);
    const [edges, size, ...others] = mermaidLimitWarnings('x'.repeat(50_001), 501, 'graph.mmd');
    assert.deepEqual(others, []);
    assert.match(
      edges ?? '',
      /^graph\.mmd has 501 edges, more than Mermaid's default maxEdges of 500: .*mermaid\.initialize\(\{maxEdges: 501\}\)/,
    );
    assert.match(
      size ?? '',
      /^graph\.mmd has 50001 characters, more than Mermaid's default maxTextSize of 50000: .*mermaid\.initialize\(\{maxTextSize: 50001\}\)/,
    );
    const report = coverageMarkdown({ nodes: [], edges: [] }, coverage([]), [edges ?? '']);
    assert.match(report, /^## Warnings\n\n- graph\.mmd has 501 edges/m);
  });
});

describe('coverage', () => {
  test('reports a workload not under STRICT mTLS, and not one under STRICT', () => {
    assert.deepEqual(
      coverage([]).notStrict.map(({ workload, port, mode, setBy }) => ({
        workload,
        port,
        mode,
        setBy,
      })),
      [
        { workload: 'shop/api', port: null, mode: 'PERMISSIVE', setBy: null },
        { workload: 'shop/web', port: null, mode: 'PERMISSIVE', setBy: null },
      ],
    );
    assert.deepEqual(coverage([STRICT_NAMESPACE]).notStrict, []);
  });

  test('says the mode once when no PeerAuthentication sets one', () => {
    const report = coverageMarkdown({ nodes: [], edges: [] }, coverage([]));
    assert.match(
      report,
      /^- shop\/api: PERMISSIVE; no PeerAuthentication sets a mode, so Istio's default accepts mTLS and plaintext$/m,
    );
    assert.doesNotMatch(report, /PERMISSIVE.*PERMISSIVE/);
  });

  test('reports the port whose portLevelMtls differs, naming the PeerAuthentication', () => {
    const portLevel = peerAuthentication(
      'api-metrics',
      'selector: {matchLabels: {app: api}}',
      'portLevelMtls: {"9090": {mode: DISABLE}}',
    );
    const [finding, ...others] = coverage([STRICT_NAMESPACE, portLevel]).notStrict;
    assert.deepEqual(others, []);
    assert.deepEqual(
      { ...finding, message: undefined },
      {
        workload: 'shop/api',
        port: 9090,
        mode: 'DISABLE',
        setBy: 'shop/api-metrics',
        message: undefined,
      },
    );
  });

  test('reports a workload without a sidecar as not under STRICT mTLS and open', () => {
    const result = coverageOf(
      documentsOf([STRICT_NAMESPACE, allowPolicy('allow-any', 'app: legacy')]),
      workloadsOf(
        'workloads: [{name: legacy, namespace: shop, labels: {app: legacy}, sidecar: false}]',
      ),
      MESH,
    );
    assert.deepEqual(
      result.notStrict.map(({ mode }) => mode),
      [null],
    );
    assert.deepEqual(
      result.noAllowPolicy.map(({ workload }) => workload),
      ['shop/legacy'],
    );
  });

  test('reports a workload no enforced ALLOW policy applies to, and not one an ALLOW policy selects', () => {
    const denyOnly = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-debug, namespace: shop}
spec:
  action: DENY
  rules: [{to: [{operation: {paths: ["/debug"]}}]}]
`;
    const dryRun = allowPolicy('web-dry-run', 'app: web').replace(
      'namespace: shop}',
      'namespace: shop, annotations: {istio.io/dry-run: "true"}}',
    );
    const result = coverage([denyOnly, allowPolicy('api-viewer', 'app: api'), dryRun]);
    assert.deepEqual(
      result.noAllowPolicy.map(({ workload }) => workload),
      ['shop/web'],
    );
    assert.match(
      result.noAllowPolicy[0]?.message ?? '',
      /^no enforced ALLOW policy applies \(dry run only: shop\/web-dry-run\): /,
    );
    assert.match(
      coverage([denyOnly]).noAllowPolicy[0]?.message ?? '',
      /^no ALLOW policy applies: /,
    );
  });

  test('lists the dry-run policies that apply to each workload', () => {
    const dryRun = (name: string, label: string, action: string): string =>
      allowPolicy(name, label)
        .replace('namespace: shop}', 'namespace: shop, annotations: {istio.io/dry-run: "true"}}')
        .replace('spec:', `spec:\n  action: ${action}`);
    const result = coverage([
      dryRun('web-try', 'app: web', 'ALLOW'),
      dryRun('api-block', 'app: api', 'DENY'),
      allowPolicy('api-viewer', 'app: api'),
    ]);
    assert.deepEqual(result.dryRun, [
      { workload: 'shop/api', policy: 'shop/api-block', action: 'DENY' },
      { workload: 'shop/web', policy: 'shop/web-try', action: 'ALLOW' },
    ]);
    const report = coverageMarkdown({ nodes: [], edges: [] }, result);
    assert.match(
      report,
      /^## Dry-run policies \(evaluated and logged, not enforced\)\n\n- shop\/api: DENY shop\/api-block\n- shop\/web: ALLOW shop\/web-try$/m,
    );
  });

  test('reports a workload that requires a JWT through a DENY notRequestPrincipals policy', () => {
    const requireToken = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: api-require-jwt, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  action: DENY
  rules: [{from: [{source: {notRequestPrincipals: ["*"]}}]}]
`;
    assert.deepEqual(coverage([API_JWT, requireToken]).requireJwt, [
      {
        workload: 'shop/api',
        requestAuthentications: ['shop/api-jwt'],
        requiredBy: ['shop/api-require-jwt'],
      },
    ]);
    // Without a RequestAuthentication no token is ever verified: nothing to report.
    assert.deepEqual(coverage([requireToken]).requireJwt, []);
  });

  test('reports a workload that requires a JWT through ALLOW rules that all need requestPrincipals', () => {
    const onlyTokens = allowPolicy(
      'api-users',
      'app: api',
      '{from: [{source: {requestPrincipals: ["*"]}}]}',
    );
    assert.deepEqual(
      coverage([API_JWT, onlyTokens]).requireJwt.map(({ requiredBy }) => requiredBy),
      [['shop/api-users']],
    );
    const alsoWithout = allowPolicy(
      'api-web',
      'app: api',
      '{from: [{source: {principals: ["cluster.local/ns/shop/sa/web"]}}]}',
    );
    const result = coverage([API_JWT, onlyTokens, alsoWithout]);
    assert.deepEqual(result.requireJwt, []);
    assert.deepEqual(result.optionalJwt, [
      { workload: 'shop/api', requestAuthentications: ['shop/api-jwt'], requiredBy: [] },
    ]);
  });

  test('reports policies that select no workload of the inventory, and not those that do', () => {
    const gone = allowPolicy('gone-viewer', 'app: gone');
    const goneJwt = API_JWT.replace('name: api-jwt', 'name: gone-jwt').replace(
      'app: api',
      'app: gone',
    );
    const gonePeer = peerAuthentication(
      'gone-mtls',
      'selector: {matchLabels: {app: gone}}',
      'mode: DISABLE',
    );
    const apiPeer = peerAuthentication(
      'api-mtls',
      'selector: {matchLabels: {app: api}}',
      'mode: STRICT',
    );
    const result = coverage([
      gone,
      goneJwt,
      gonePeer,
      apiPeer,
      STRICT_NAMESPACE,
      allowPolicy('api-viewer', 'app: api'),
      API_JWT,
    ]);
    assert.deepEqual(
      result.unusedPolicies.map(({ kind, policy }) => `${kind} ${policy}`),
      [
        'AuthorizationPolicy shop/gone-viewer',
        'PeerAuthentication shop/gone-mtls',
        'RequestAuthentication shop/gone-jwt',
      ],
    );
  });
});

describe('npm run graph', () => {
  let directory: string;

  before(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'graph-test-'));
  });

  after(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  test('writes graph.mmd, graph.svg and coverage.md to graph/ where npm was run, and prints the coverage', () => {
    const result = runGraph(['-f', SMALL_MANIFESTS, '--inventory', SMALL_INVENTORY], directory);
    assert.equal(result.status, 0, result.stderr);
    const out = path.join(directory, 'graph');
    assert.deepEqual(result.stderr.trim().split('\n'), [
      `wrote ${path.join('graph', 'graph.mmd')}`,
      `wrote ${path.join('graph', 'graph.svg')}`,
      `wrote ${path.join('graph', 'coverage.md')}`,
    ]);
    assert.equal(
      readFileSync(path.join(out, 'graph.mmd'), 'utf8'),
      readFileSync(SMALL_MERMAID, 'utf8'),
    );
    assert.match(readFileSync(path.join(out, 'graph.svg'), 'utf8'), /<svg[\s>]/);
    assert.equal(result.stdout, readFileSync(path.join(out, 'coverage.md'), 'utf8'));
    assert.match(
      result.stdout,
      /^## Not under STRICT mTLS\n\n- shop\/api port 9090: PERMISSIVE; /m,
    );
  });

  test('prints one JSON object holding nodes, edges and coverage with --format json', () => {
    const out = path.join(directory, 'json');
    const result = runGraph(
      ['-f', SMALL_MANIFESTS, '--inventory', SMALL_INVENTORY, '--out', out, '--format', 'json'],
      directory,
    );
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { edges: GraphEdge[]; coverage: object };
    assert.deepEqual(Object.keys(report), ['nodes', 'edges', 'coverage', 'warnings']);
    assert.deepEqual(report.edges, graphOf(SMALL_MANIFESTS, SMALL_INVENTORY).edges);
    assert.deepEqual(Object.keys(report.coverage), [
      'notStrict',
      'noAllowPolicy',
      'requireJwt',
      'optionalJwt',
      'dryRun',
      'unusedPolicies',
    ]);
    assert.ok(existsSync(path.join(out, 'coverage.md')));
  });

  test('exits 2 naming the inventory problem, and writes nothing', () => {
    const inventory = path.join(directory, 'bad-inventory.yaml');
    writeFileSync(inventory, 'workloads: [{name: web, namespace: shop, sidecars: false}]\n');
    const out = path.join(directory, 'bad');
    const result = runGraph(
      ['-f', SMALL_MANIFESTS, '--inventory', inventory, '--out', out],
      directory,
    );
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^graph: invalid inventory .*bad-inventory\.yaml:$/m);
    assert.match(
      result.stderr,
      /^- workloads\[0\]\.sidecars: is not a known key; did you mean sidecar\?/m,
    );
    assert.equal(existsSync(out), false);
  });

  test("warns about the input and about a graph.mmd beyond Mermaid's limits, reading the inventory from stdin", () => {
    const permissive = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: shop}
spec: {mtls: {mode: PERMISSIVE}}
`;
    const manifests = path.join(directory, 'twice.yaml');
    writeFileSync(manifests, `${permissive}---\n${permissive}`);
    // 25 workloads and no AuthorizationPolicy: 25 x 25 callers (24 others and outside) = 625 edges.
    const inventory = `workloads:\n${Array.from(
      { length: 25 },
      (_, index) => `- {name: w${index}, namespace: shop, ports: [{port: 80}]}\n`,
    ).join('')}`;
    const out = path.join(directory, 'big');
    const result = runGraph(
      ['-f', manifests, '--inventory', '-', '--out', out],
      directory,
      inventory,
    );
    assert.equal(result.status, 0, result.stderr);
    const warnings = result.stderr
      .split('\n')
      .filter((line) => line.startsWith('graph: warning: '));
    assert.equal(warnings.length, 2, result.stderr);
    assert.match(warnings[0] ?? '', /PeerAuthentication shop\/default is given twice/);
    assert.match(
      warnings[1] ?? '',
      /graph\.mmd has 625 edges, more than Mermaid's default maxEdges of 500: /,
    );
    assert.match(result.stdout, /^## Warnings\n\n- graph\.mmd has 625 edges/m);
    assert.match(result.stdout, /^25 workloads in 1 namespace; 625 edges/m);
  });

  test('exits 2 naming the path, the reason and the fix when --out cannot be written, and writes none of the files', () => {
    const out = path.join(directory, 'blocked');
    mkdirSync(path.join(out, 'graph.svg'), { recursive: true });
    const blocked = runGraph(
      ['-f', SMALL_MANIFESTS, '--inventory', SMALL_INVENTORY, '--out', out],
      directory,
    );
    assert.equal(blocked.status, 2);
    assert.match(
      blocked.stderr,
      /^graph: cannot write .*blocked\/graph\.svg \(--out .*blocked\): it is a directory; remove or rename that directory, or give another --out \(nothing was written\)$/m,
    );
    assert.deepEqual(readdirSync(out), ['graph.svg']);
    const file = path.join(directory, 'a-file');
    writeFileSync(file, '');
    const underFile = runGraph(
      ['-f', SMALL_MANIFESTS, '--inventory', SMALL_INVENTORY, '--out', path.join(file, 'out')],
      directory,
    );
    assert.equal(underFile.status, 2);
    assert.match(
      underFile.stderr,
      /^graph: cannot write .*a-file\/out \(--out .*\): a part of the path is a file; give --out a directory/m,
    );
  });

  test('refuses a repeated flag, a misspelt one with a suggestion, and stdin for both inputs', () => {
    const base = ['-f', 'a.yaml', '--inventory', 'i.yaml'];
    assert.throws(
      () => parseArguments([...base, '--out', 'a', '--out=b']),
      /^UsageError: --out is given twice; give it once/,
    );
    assert.throws(
      () => parseArguments([...base, '--inventory', 'j.yaml']),
      /--inventory is given twice/,
    );
    assert.throws(
      () => parseArguments([...base, '--format', 'json', '--format', 'text']),
      /--format is given twice/,
    );
    assert.throws(
      () => parseArguments(['-f', 'a.yaml', '--inventroy', 'i.yaml']),
      /^UsageError: unknown flag --inventroy; did you mean --inventory\?$/,
    );
    assert.throws(() => parseArguments([...base, '--ot', 'dir']), /did you mean --out\?/);
    assert.deepEqual(parseArguments(['-f', 'a.yaml', '-f', 'b.yaml', '--inventory', '-']).files, [
      'a.yaml',
      'b.yaml',
    ]);
    assert.throws(
      () => parseArguments(['-f', '-', '--inventory', '-']),
      /standard input can hold the manifests \(-f -\) or the inventory \(--inventory -\), not both/,
    );
  });

  test('reads its flags, and refuses a missing inventory, an unknown flag and an unknown format', () => {
    const options = parseArguments([
      '-f',
      'a.yaml',
      '--filename=b.yaml',
      '-',
      '--inventory',
      'i.yaml',
      '--out=o',
      '--format',
      'json',
      '-n',
      'shop',
      '--root-namespace',
      'mesh-root',
      '--trust-domain',
      'example.org',
      '--trust-domain-alias',
      'old.org',
      '--ext-authz=deny',
    ]);
    assert.deepEqual(options, {
      files: ['a.yaml', 'b.yaml', '-'],
      inventory: 'i.yaml',
      out: 'o',
      format: 'json',
      namespace: 'shop',
      mesh: {
        ...DEFAULT_MESH,
        rootNamespace: 'mesh-root',
        trustDomain: 'example.org',
        trustDomainAliases: ['old.org'],
        externalAuthorizer: 'deny',
      },
    });
    assert.throws(() => parseArguments(['-f', 'a.yaml']), /no --inventory FILE given/);
    assert.throws(() => parseArguments(['--inventory', 'i.yaml']), /no manifests given/);
    assert.throws(
      () => parseArguments(['-f', 'a.yaml', '--inventory', 'i', '--dot']),
      /unknown flag --dot/,
    );
    assert.throws(
      () => parseArguments(['-f', 'a', '--inventory', 'i', '--format', 'yaml']),
      UsageError,
    );
  });
});

function graphOf(manifests: string, inventory: string): Graph {
  const { documents } = readManifests([manifests], 'default');
  return buildGraph(documents, readInventory(inventory).workloads, MESH);
}

function edge(graph: Graph, from: string, to: string, port: number): GraphEdge | undefined {
  return graph.edges.find(
    (candidate) => candidate.from === from && candidate.to === to && candidate.port === port,
  );
}

function required<T>(value: T | undefined): T {
  assert.notEqual(value, undefined);
  return value as T;
}

function inventoryError(text: string): string {
  try {
    parseInventory(text, 'inventory.yaml');
  } catch (error) {
    assert.ok(error instanceof UsageError);
    return error.message;
  }
  assert.fail('the inventory was accepted');
}

function workloadsOf(text: string): readonly Workload[] {
  return parseInventory(text, 'inventory.yaml').workloads;
}

function documentsOf(texts: readonly string[]): IstioDocument[] {
  const read = readText('inline.yaml', texts.join('---\n'));
  assert.deepEqual(read.findings, []);
  return read.documents;
}

function coverage(texts: readonly string[]): ReturnType<typeof coverageOf> {
  return coverageOf(documentsOf(texts), workloadsOf(SHOP), MESH);
}

// The label of the edge web -> api port 8080 of the SHOP inventory under these policies.
function webToApiLabel(texts: readonly string[]): string {
  const graph = buildGraph(documentsOf(texts), workloadsOf(SHOP), MESH);
  return edgeLabel(required(edge(graph, 'shop/web', 'shop/api', 8080)));
}

// `ns/sa` as the identity of a caller with a sidecar.
function peerOf(namespaceAndAccount: string): PeerIdentity {
  const [namespace = '', serviceAccount = ''] = namespaceAndAccount.split('/');
  return {
    principal: `${MESH.trustDomain}/ns/${namespace}/sa/${serviceAccount}`,
    trustDomain: MESH.trustDomain,
    namespace,
    serviceAccount,
  };
}

// GET / from the peer to shop/app=api port 8080.
function requestFrom(peer: PeerIdentity): Parameters<typeof explain>[1] {
  return {
    target: { namespace: 'shop', labels: { app: 'api' } },
    port: 8080,
    protocol: 'http',
    peer,
    method: 'GET',
    path: '/',
    headers: {},
  };
}

function peerAuthentication(name: string, selector: string, mtls: string): string {
  const spec = mtls.startsWith('mode:') ? `mtls: {${mtls}}` : mtls;
  return `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: ${name}, namespace: shop}
spec:
${[selector, spec]
  .filter((line) => line !== '')
  .map((line) => `  ${line}`)
  .join('\n')}
`;
}

function allowPolicy(name: string, label: string, rule = '{}'): string {
  return `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ${name}, namespace: shop}
spec:
  selector: {matchLabels: {${label}}}
  rules: [${rule}]
`;
}

function runGraph(
  args: readonly string[],
  invokedFrom: string,
  input = '',
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', GRAPH_SCRIPT, ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, INIT_CWD: invokedFrom },
    input,
  });
}

// Every tag closed in order, attributes quoted, no stray `<` or `>`: enough to catch truncated or
// broken SVG without an XML parser among the dependencies.
function assertWellFormedXml(text: string): void {
  const body = text
    .replace(/<\?xml[^>]*\?>/, '')
    .replace(/<!DOCTYPE[^>]*>/, '')
    .replace(/<!--[\s\S]*?-->/g, '');
  const tag = /<(\/?)([A-Za-z][\w:.-]*)(?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(\/?)>/g;
  const open: string[] = [];
  let roots = 0;
  for (const [, closing, name, selfClosing] of body.matchAll(tag)) {
    if (closing === '/') {
      assert.equal(open.pop(), name, `</${name}> closes another element`);
      continue;
    }
    if (open.length === 0) roots += 1;
    if (selfClosing !== '/') open.push(name ?? '');
  }
  assert.deepEqual(open, [], 'elements left open');
  assert.equal(roots, 1, 'not exactly one root element');
  assert.doesNotMatch(body.replace(tag, ''), /[<>]/, 'a malformed tag, or a stray < or >');
}
