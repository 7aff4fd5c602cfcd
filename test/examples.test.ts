// Tests for the bundled examples (examples/*.ts) and the values files built from them
// (generated/values/*.yaml): they validate, are current, render to Istio objects the CRDs
// accept, match their pinned output in test/examples/<name>.expected.yaml, and Helm reads the
// written YAML back as exactly the values the example wrote. An example's release must be one
// Helm can install, and `npm run build-values` counts invalid examples in good English.
//
// Run:    node --import tsx --test test/examples.test.ts
// Update: UPDATE_GOLDEN=1 node --import tsx --test test/examples.test.ts  (then review the diff)

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import yaml from 'js-yaml';

import { invalidSummary } from '../scripts/build-values.js';
import { formatFinding as formatCheckFinding } from '../scripts/lib/check/format.js';
import { valuesToYaml } from '../scripts/lib/dump-values.js';
import {
  buildExample,
  exampleNames,
  exampleRelease,
  isCurrent,
  type BuiltExample,
} from '../scripts/lib/example-values.js';
import { pinnedHelm, type HelmMajor } from '../scripts/lib/helm.js';
import { helmTemplate } from '../scripts/lib/helm-template.js';
import { PROJECT_ROOT, projectRelative } from '../scripts/lib/paths.js';
import { renderAndCheck, type RenderCheckResult } from '../scripts/lib/render-check.js';
import { formatFinding } from '../scripts/lib/validation.js';

const EXPECTED_DIR = path.join(PROJECT_ROOT, 'test', 'examples');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const UPDATE_COMMAND = 'UPDATE_GOLDEN=1 node --import tsx --test test/examples.test.ts';
// A chart that prints the values Helm hands to templates, as JSON.
const PROBE_CHART = 'apiVersion: v2\nname: probe\nversion: 0.1.0\n';
const PROBE_TEMPLATE = '{{ toJson .Values }}\n';
const BUNDLED = [
  'bookinfo',
  'jwt-api-gateway',
  'mtls-migration',
  'mtls-migration-strict',
  'tcp-database',
];
const SKIP_HELM =
  process.platform === 'linux' && process.arch === 'x64'
    ? false
    : 'pinned Helm binaries are linux-amd64 only';
// Fields Istio can evaluate on HTTP only; on a TCP port they make Istio drop an ALLOW rule.
const HTTP_ONLY_SOURCE = ['requestPrincipals', 'notRequestPrincipals'];
const HTTP_ONLY_OPERATION = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];
const HTTP_ONLY_CONDITION = /^request\./;
// Plain scalars a YAML 1.1 reader such as Helm's takes for booleans, nulls or numbers.
const AMBIGUOUS_STRINGS = [
  ...['on', 'off', 'yes', 'no', 'y', 'n', 'Y', 'N', 'On', 'NO', 'true', 'False'],
  ...['~', 'null', 'NULL', '', '<<', '=', '.inf', '-.Inf', '.nan'],
  ...['0755', '08', '0X1F', '0x1f', '0B101', '0o17', '0O17', '+1', '-0b1', '1_000', '1_'],
  ...['1e3', '.5', '+.5', '-.5', '.5_0', '1.', '2001-12-14', '2001-12-14T21:59:43Z', '1:20'],
  ...['*', '/api/*', 'cluster.local/ns/a/sa/b', 'a: b', '- x', '#x', 'x #y', ' padded '],
];

type Doc = {
  kind: string;
  metadata: { name: string; namespace: string; labels?: Record<string, unknown> };
  spec: Record<string, unknown>;
};
type Rule = {
  from?: { source: Record<string, unknown> }[];
  to?: { operation: Record<string, unknown> }[];
  when?: { key: string }[];
};

const built = new Map<string, BuiltExample>();
const renders = new Map<string, RenderCheckResult>();

before(async () => {
  for (const name of exampleNames()) built.set(name, await buildExample(name));
});

describe('bundled examples', () => {
  it('are the expected ones', () => {
    assert.deepEqual(exampleNames(), BUNDLED);
  });

  for (const name of BUNDLED) {
    it(`${name} validates without errors`, () => {
      const { errors } = example(name);
      assert.deepEqual(errors.map(formatFinding), []);
    });

    it(`generated/values/${name}.yaml is current`, () => {
      assert.ok(
        isCurrent(example(name)),
        `generated/values/${name}.yaml differs from a fresh build; run \`npm run build-values\``,
      );
    });

    it(`${name} renders and the check finds no error in it`, { skip: SKIP_HELM }, () => {
      const result = render(name);
      assert.equal(result.error, '');
      const errors = result.findings.filter(({ severity }) => severity === 'error');
      assert.deepEqual(errors.map(formatCheckFinding), []);
      assert.ok(result.documents.length > 0, 'rendered nothing');
    });

    it(`${name} renders its pinned output`, { skip: SKIP_HELM }, () => {
      const expectedFile = path.join(EXPECTED_DIR, `${name}.expected.yaml`);
      const actual = render(name).manifests;
      if (UPDATE) {
        mkdirSync(EXPECTED_DIR, { recursive: true });
        writeFileSync(expectedFile, actual);
        return;
      }
      assert.equal(
        actual,
        readFileSync(expectedFile, 'utf8'),
        `${projectRelative(expectedFile)} differs; review the change, then run ${UPDATE_COMMAND}`,
      );
    });
  }
});

describe('example releases', () => {
  const where = 'examples/shop.ts';

  it('accepts names Helm accepts, up to 53 characters, and namespaces up to 63', () => {
    for (const release of [
      { name: 'shop', namespace: 'shop' },
      { name: 'shop.v2', namespace: '0-shop' },
      { name: 'a'.repeat(53), namespace: 'a'.repeat(63) },
    ]) {
      assert.deepEqual(exampleRelease(release, where), release);
    }
  });

  it('refuses a release name Helm refuses, naming the example and the rule', () => {
    for (const name of ['Shop', 'shop_v2', '-shop', 'shop.', 'a'.repeat(54)]) {
      assert.throws(() => exampleRelease({ name, namespace: 'shop' }, where), {
        message: new RegExp(
          `^examples/shop\\.ts: release\\.name "${name}" is invalid: a Helm release name is lower-case letters, digits, '-' and '\\.', starts and ends with a letter or digit, and has at most 53 characters$`,
        ),
      });
    }
  });

  it('refuses a namespace that is not a DNS label, naming the example and the rule', () => {
    for (const namespace of ['Bad_NS', 'shop.v2', 'shop-', 'a'.repeat(64)]) {
      assert.throws(() => exampleRelease({ name: 'shop', namespace }, where), {
        message: new RegExp(
          `^examples/shop\\.ts: release\\.namespace "${namespace}" is invalid: a namespace is a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters$`,
        ),
      });
    }
  });

  it('refuses a missing release, naming the example', () => {
    assert.throws(
      () => exampleRelease(undefined, where),
      /^Error: examples\/shop\.ts must export its release/,
    );
  });
});

describe('npm run build-values summary', () => {
  it('says "has" for one invalid example and "have" for several', () => {
    assert.equal(invalidSummary(1, 7), '1 of 7 examples has invalid values');
    assert.equal(invalidSummary(2, 7), '2 of 7 examples have invalid values');
    assert.equal(invalidSummary(1, 1), '1 of 1 example has invalid values');
  });
});

describe('bookinfo example', { skip: SKIP_HELM }, () => {
  const principal = (namespace: string, serviceAccount: string): string =>
    `cluster.local/ns/${namespace}/sa/${serviceAccount}`;
  const viewer = (app: string, caller: string) => ({
    action: 'ALLOW',
    selector: { matchLabels: { app } },
    rules: [
      {
        from: [{ source: { principals: [caller] } }],
        to: [{ operation: { methods: ['GET'], ports: ['9080'] } }],
      },
    ],
  });

  it('renders exactly the expected objects', () => {
    assert.deepEqual(documents('bookinfo').map(describeDocument), [
      'AuthorizationPolicy bookinfo/allow-nothing',
      'AuthorizationPolicy bookinfo/details-viewer',
      'AuthorizationPolicy bookinfo/productpage-viewer',
      'AuthorizationPolicy bookinfo/ratings-viewer',
      'AuthorizationPolicy bookinfo/reviews-viewer',
      'AuthorizationPolicy bookinfo/productpage-jwt-require-jwt',
      'PeerAuthentication bookinfo/default',
      'RequestAuthentication bookinfo/productpage-jwt',
    ]);
  });

  it('requires STRICT mutual TLS namespace-wide', () => {
    assert.deepEqual(spec('bookinfo', 'PeerAuthentication', 'default'), {
      mtls: { mode: 'STRICT' },
    });
  });

  it('denies by default with an allow-nothing policy', () => {
    assert.deepEqual(spec('bookinfo', 'AuthorizationPolicy', 'allow-nothing'), {});
  });

  it('allows GET on 9080 along the call graph only', () => {
    const gateway = principal('istio-system', 'istio-ingressgateway-service-account');
    const productpage = principal('bookinfo', 'bookinfo-productpage');
    const reviews = principal('bookinfo', 'bookinfo-reviews');
    const policy = (name: string) => spec('bookinfo', 'AuthorizationPolicy', name);
    assert.deepEqual(policy('productpage-viewer'), viewer('productpage', gateway));
    assert.deepEqual(policy('details-viewer'), viewer('details', productpage));
    assert.deepEqual(policy('reviews-viewer'), viewer('reviews', productpage));
    assert.deepEqual(policy('ratings-viewer'), viewer('ratings', reviews));
  });

  it("validates tokens from Istio's test issuer on productpage", () => {
    assert.deepEqual(spec('bookinfo', 'RequestAuthentication', 'productpage-jwt'), {
      selector: { matchLabels: { app: 'productpage' } },
      jwtRules: [
        {
          issuer: 'testing@secure.istio.io',
          jwksUri:
            'https://raw.githubusercontent.com/istio/istio/release-1.29/security/tools/jwt/samples/jwks.json',
        },
      ],
    });
  });

  it('rejects requests without a token on 9080 except the health path', () => {
    assert.deepEqual(spec('bookinfo', 'AuthorizationPolicy', 'productpage-jwt-require-jwt'), {
      action: 'DENY',
      selector: { matchLabels: { app: 'productpage' } },
      rules: [
        {
          from: [{ source: { notRequestPrincipals: ['*'] } }],
          to: [{ operation: { notPaths: ['/health'], ports: ['9080'] } }],
        },
      ],
    });
  });
});

describe('jwt-api-gateway example', { skip: SKIP_HELM }, () => {
  it('rejects requests on 8080 without a token or the api.read scope, except /healthz', () => {
    const scope = { to: [{ operation: { notPaths: ['/healthz'], ports: ['8080'] } }] };
    assert.deepEqual(spec('jwt-api-gateway', 'AuthorizationPolicy', 'api-jwt-require-jwt'), {
      action: 'DENY',
      selector: { matchLabels: { app: 'api' } },
      rules: [
        { from: [{ source: { notRequestPrincipals: ['*'] } }], ...scope },
        { ...scope, when: [{ key: 'request.auth.claims[scope]', notValues: ['api.read'] }] },
      ],
    });
  });

  it('lets only the ingress gateway reach the api port', () => {
    assert.deepEqual(spec('jwt-api-gateway', 'AuthorizationPolicy', 'api-from-ingress'), {
      action: 'ALLOW',
      selector: { matchLabels: { app: 'api' } },
      rules: [
        {
          from: [
            {
              source: {
                principals: [
                  'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
                ],
              },
            },
          ],
          to: [{ operation: { ports: ['8080'] } }],
        },
      ],
    });
  });
});

describe('mtls-migration examples', { skip: SKIP_HELM }, () => {
  it('stage 1 accepts mTLS and plaintext namespace-wide', () => {
    assert.deepEqual(spec('mtls-migration', 'PeerAuthentication', 'default'), {
      mtls: { mode: 'PERMISSIVE' },
    });
  });

  it('stage 2 requires mTLS namespace-wide but keeps the metrics port of orders PERMISSIVE', () => {
    assert.deepEqual(spec('mtls-migration-strict', 'PeerAuthentication', 'default'), {
      mtls: { mode: 'STRICT' },
    });
    assert.deepEqual(spec('mtls-migration-strict', 'PeerAuthentication', 'orders-metrics'), {
      selector: { matchLabels: { app: 'orders' } },
      mtls: { mode: 'STRICT' },
      portLevelMtls: { '8081': { mode: 'PERMISSIVE' } },
    });
  });

  it('both stages are one release in one namespace, so stage 2 upgrades stage 1', () => {
    const stage1 = example('mtls-migration').example.release;
    const stage2 = example('mtls-migration-strict').example.release;
    assert.deepEqual(stage2, stage1);
  });
});

describe('tcp-database example', { skip: SKIP_HELM }, () => {
  const rules = (): Rule[] =>
    documents('tcp-database')
      .filter((document) => document.kind === 'AuthorizationPolicy')
      .flatMap((document) => (document.spec.rules as Rule[] | undefined) ?? []);

  it('allows the two client identities to port 5432', () => {
    assert.deepEqual(rules(), [
      {
        from: [
          {
            source: {
              principals: [
                'cluster.local/ns/orders/sa/orders-api',
                'cluster.local/ns/billing/sa/billing-worker',
              ],
            },
          },
        ],
        to: [{ operation: { ports: ['5432'] } }],
      },
    ]);
  });

  it('uses no HTTP-only field in any rule, which would drop the rule on TCP', () => {
    const values = example('tcp-database').example.values as {
      authorization?: { policies?: Record<string, { rules?: Rule[] } | null> };
    };
    const written = Object.values(values.authorization?.policies ?? {});
    const inExample = written.flatMap((policy) => policy?.rules ?? []);
    assert.ok(inExample.length > 0, 'the example has no rules');
    assert.deepEqual(inExample.flatMap(httpOnlyFields), [], 'in examples/tcp-database.ts');
    assert.deepEqual(rules().flatMap(httpOnlyFields), [], 'in the rendered policies');
  });
});

describe('values files Helm reads back', { skip: SKIP_HELM }, () => {
  let probeChart = '';

  before(() => {
    probeChart = mkdtempSync(path.join(tmpdir(), 'izt-values-probe-'));
    writeFileSync(path.join(probeChart, 'Chart.yaml'), PROBE_CHART);
    mkdirSync(path.join(probeChart, 'templates'));
    writeFileSync(path.join(probeChart, 'templates', 'values.yaml'), PROBE_TEMPLATE);
  });

  after(() => {
    rmSync(probeChart, { recursive: true, force: true });
  });

  for (const major of [3, 4] as HelmMajor[]) {
    it(`reads every example and YAML 1.1-ambiguous strings unchanged under Helm ${major}`, () => {
      const values = {
        examples: Object.fromEntries(BUNDLED.map((name) => [name, example(name).example.values])),
        strings: AMBIGUOUS_STRINGS,
        keys: Object.fromEntries(AMBIGUOUS_STRINGS.map((text, index) => [text, index])),
      };
      assert.deepEqual(readBackByHelm(major, probeChart, valuesToYaml(values)), values);
    });
  }

  it('renders the string "on" in an example as the string "on"', () => {
    const values = structuredClone(example('bookinfo').example.values) as Record<string, unknown>;
    values.commonLabels = { 'example.com/audit-logging': 'on' };
    const scratch = mkdtempSync(path.join(tmpdir(), 'izt-on-'));
    try {
      const file = path.join(scratch, 'values.yaml');
      writeFileSync(file, valuesToYaml(values));
      const result = helmTemplate({
        helm: pinnedHelm(3),
        release: 'bookinfo',
        namespace: 'bookinfo',
        valueFiles: [file],
      });
      assert.equal(result.error, '');
      const labels = (yaml.loadAll(result.stdout) as Doc[]).map(
        (document) => document.metadata.labels?.['example.com/audit-logging'],
      );
      assert.ok(labels.length > 0);
      for (const label of labels) assert.equal(label, 'on');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

function example(name: string): BuiltExample {
  const entry = built.get(name);
  assert.ok(entry, `examples/${name}.ts is missing`);
  return entry;
}

/** The example's generated values file rendered once with the pinned Helm 3, then reused. */
function render(name: string): RenderCheckResult {
  let result = renders.get(name);
  if (result === undefined) {
    const { release, output } = example(name).example;
    result = renderAndCheck({
      helm: pinnedHelm(3),
      release: release.name,
      args: ['--namespace', release.namespace, '--values', output],
    });
    renders.set(name, result);
  }
  return result;
}

function documents(name: string): Doc[] {
  const result = render(name);
  assert.equal(result.error, '');
  return result.documents as Doc[];
}

function spec(name: string, kind: string, objectName: string): Record<string, unknown> {
  const found = documents(name).find(
    (document) => document.kind === kind && document.metadata.name === objectName,
  );
  assert.ok(found, `${name} renders no ${kind} ${objectName}`);
  return found.spec;
}

function describeDocument(document: Doc): string {
  return `${document.kind} ${document.metadata.namespace}/${document.metadata.name}`;
}

function httpOnlyFields(rule: Rule): string[] {
  return [
    ...(rule.from ?? []).flatMap(({ source }) =>
      Object.keys(source).filter((field) => HTTP_ONLY_SOURCE.includes(field)),
    ),
    ...(rule.to ?? []).flatMap(({ operation }) =>
      Object.keys(operation).filter((field) => HTTP_ONLY_OPERATION.includes(field)),
    ),
    ...(rule.when ?? []).map(({ key }) => key).filter((key) => HTTP_ONLY_CONDITION.test(key)),
  ];
}

/** The values Helm hands to templates for `text`, through a chart that prints them as JSON. */
function readBackByHelm(major: HelmMajor, chartDir: string, text: string): unknown {
  const scratch = mkdtempSync(path.join(tmpdir(), 'izt-values-'));
  try {
    const file = path.join(scratch, 'values.yaml');
    writeFileSync(file, text);
    const result = helmTemplate({ helm: pinnedHelm(major), chartDir, valueFiles: [file] });
    assert.equal(result.error, '');
    const json = result.stdout.split('\n').find((line) => line.startsWith('{'));
    assert.ok(json, `no JSON in the probe chart's output:\n${result.stdout}`);
    return JSON.parse(json) as unknown;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
