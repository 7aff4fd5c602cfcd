// Fail closed: Istio reads an empty list (or an empty source, operation or selector) as "not
// set", which widens a rule to "anything". The schema refuses such values; when a render skips
// schema validation (helm --skip-schema-validation, an option Argo CD also offers), the chart
// itself must refuse them and render nothing.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { pinnedHelm, type HelmMajor } from '../scripts/lib/helm.js';
import { helmTemplate } from '../scripts/lib/helm-template.js';
import { PROJECT_ROOT } from '../scripts/lib/paths.js';

const CASE_DIR = path.join(PROJECT_ROOT, 'test', 'fail-closed');
const VALUES = path.join(CASE_DIR, 'values.yaml');
const EXPECTED = readFileSync(path.join(CASE_DIR, 'expected-error.txt'), 'utf8').trim();

describe('fail closed without schema validation', () => {
  for (const major of [3, 4] as HelmMajor[]) {
    it(`fails on every empty list, source, operation and selector with Helm ${major}`, () => {
      const result = render(major, ['--skip-schema-validation']);
      assert.equal(result.ok, false, 'the chart rendered values that widen rules');
      assert.equal(result.stdout, '');
      assert.equal(result.error, EXPECTED);
    });

    it(`refuses the same values by schema with Helm ${major}`, () => {
      const result = render(major, []);
      assert.equal(result.ok, false);
      assert.match(result.stderr, /values don't meet the specifications of the schema/);
    });
  }
});

function render(major: HelmMajor, extraArgs: string[]) {
  return helmTemplate({
    helm: pinnedHelm(major),
    namespace: 'shop',
    valueFiles: [VALUES],
    extraArgs,
  });
}
