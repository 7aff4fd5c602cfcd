// Repeated renders are byte-identical, also for user map keys such as "1e6-8" and "0123-9",
// for which toYaml's own key order changes from one run to the next (Go map order meets a key
// comparison that is not a strict order). The chart prints such maps itself, in byte order.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import yaml from 'js-yaml';

import { pinnedHelm, type HelmMajor } from '../scripts/lib/helm.js';
import { helmTemplate } from '../scripts/lib/helm-template.js';

// Enough renders that an unstable order would show: with these keys it changed in most runs.
const RENDERS = 12;
const TRICKY_KEYS = ['1e6-8', '1e6-19', '0123-9', '0123-20', '1000000-10', '1000000-21', 'a9', 'a10'];

describe('determinism', () => {
  const valuesFile = writeValues();

  for (const major of [3, 4] as HelmMajor[]) {
    it(`renders the same bytes ${RENDERS} times in a row with Helm ${major}`, () => {
      const outputs = new Set<string>();
      for (let run = 0; run < RENDERS; run += 1) {
        const result = helmTemplate({ helm: pinnedHelm(major), namespace: 'shop', valueFiles: [valuesFile] });
        assert.ok(result.ok, result.stderr);
        outputs.add(result.stdout);
      }
      assert.equal(outputs.size, 1, `${outputs.size} different outputs in ${RENDERS} renders`);
    });
  }

  it('prints user map keys in byte order and ports in numeric order', () => {
    const result = helmTemplate({ helm: pinnedHelm(3), namespace: 'shop', valueFiles: [valuesFile] });
    assert.ok(result.ok, result.stderr);
    const peer = yaml
      .loadAll(result.stdout)
      .find((doc) => (doc as { metadata?: { name?: string } })?.metadata?.name === 'legacy') as {
      metadata: { annotations: object; labels: object };
      spec: { portLevelMtls: object; selector: { matchLabels: object } };
    };
    const sorted = (keys: string[]) => [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const prefixed = TRICKY_KEYS.map((key) => `example.com/${key}`);
    assert.deepEqual(Object.keys(peer.metadata.annotations), sorted(prefixed));
    assert.deepEqual(Object.keys(peer.spec.selector.matchLabels), sorted(prefixed));
    // js-yaml keeps integer-like keys first in insertion order, so read the text for ports.
    const ports = [...result.stdout.matchAll(/^ {4}"(\d+)":$/gm)].map((match) => match[1]);
    assert.deepEqual(ports, ['80', '9090', '15020']);
  });
});

function writeValues(): string {
  const labels = Object.fromEntries(TRICKY_KEYS.map((key) => [`example.com/${key}`, 'x']));
  const values = {
    commonAnnotations: labels,
    commonLabels: labels,
    peerAuthentication: {
      workloads: {
        legacy: {
          selector: { matchLabels: labels },
          portLevelMtls: {
            '15020': { mode: 'DISABLE' },
            '9090': { mode: 'PERMISSIVE' },
            '80': { mode: 'STRICT' },
          },
        },
      },
    },
  };
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'izt-determinism-')), 'values.yaml');
  writeFileSync(file, yaml.dump(values));
  return file;
}
