// The chart works as a dependency of a wrapper chart: Helm hands every subchart a `global`
// object, and parents switch dependencies with `<name>.enabled`; a strict schema must accept both.

import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';

import yaml from 'js-yaml';

import { pinnedHelm, type HelmMajor } from '../scripts/lib/helm.js';
import { helmTemplate } from '../scripts/lib/helm-template.js';
import { CHART_DIR } from '../scripts/lib/paths.js';

const WRAPPER_CHART = `apiVersion: v2
name: platform-wrapper
version: 1.0.0
dependencies:
  - name: istio-zero-trust
    version: 0.1.0
    condition: istio-zero-trust.enabled
`;

describe('use as a subchart', () => {
  let wrapperDir = '';

  before(() => {
    wrapperDir = mkdtempSync(path.join(tmpdir(), 'izt-wrapper-'));
    mkdirSync(path.join(wrapperDir, 'charts'));
    writeFileSync(path.join(wrapperDir, 'Chart.yaml'), WRAPPER_CHART);
    cpSync(CHART_DIR, path.join(wrapperDir, 'charts', 'istio-zero-trust'), { recursive: true });
  });

  for (const major of [3, 4] as HelmMajor[]) {
    it(`renders with a parent's global values under Helm ${major}`, () => {
      const objects = renderWrapper(major, {
        global: { clusterName: 'prod-eu', imageRegistry: 'registry.example.com' },
        'istio-zero-trust': { enabled: true },
      });
      assert.deepEqual(objects.map(describeObject), [
        'AuthorizationPolicy shop/allow-nothing',
        'PeerAuthentication shop/default',
      ]);
    });

    it(`renders nothing when the parent's condition is false under Helm ${major}`, () => {
      const objects = renderWrapper(major, { 'istio-zero-trust': { enabled: false } });
      assert.deepEqual(objects, []);
    });

    it(`still rejects a misspelt key under Helm ${major}`, () => {
      const result = helmTemplateWith(major, { 'istio-zero-trust': { namespaces: {} } });
      assert.equal(result.ok, false);
      assert.match(result.stderr, /namespaces/);
    });
  }

  function renderWrapper(major: HelmMajor, values: object): Record<string, unknown>[] {
    const result = helmTemplateWith(major, values);
    assert.ok(result.ok, result.stderr);
    return yaml.loadAll(result.stdout).filter(Boolean) as Record<string, unknown>[];
  }

  function helmTemplateWith(major: HelmMajor, values: object) {
    const valuesFile = path.join(wrapperDir, `values-${Date.now()}-${Math.random()}.yaml`);
    writeFileSync(valuesFile, yaml.dump(values));
    return helmTemplate({
      helm: pinnedHelm(major),
      chartDir: wrapperDir,
      namespace: 'shop',
      valueFiles: [valuesFile],
    });
  }
});

function describeObject(object: Record<string, unknown>): string {
  const metadata = object.metadata as { namespace: string; name: string };
  return `${String(object.kind)} ${metadata.namespace}/${metadata.name}`;
}
