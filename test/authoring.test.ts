// Tests for scripts/lib/authoring.ts: the helpers build Istio's shapes, reject bad input, and
// defineValues keeps the generated types' strictness (checked by `npx tsc --noEmit -p .`).
//
// Run: node --import tsx --test test/authoring.test.ts

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  defineValues,
  matchLabels,
  ports,
  workloadIdentity,
} from '../scripts/lib/authoring.js';

describe('ports', () => {
  it('turns a port number into the string Istio expects', () => {
    assert.deepEqual(ports(8080), ['8080']);
  });

  it('keeps the order of several ports', () => {
    assert.deepEqual(ports(9090, 1, 65535), ['9090', '1', '65535']);
  });

  for (const bad of [0, -1, 65536, 80.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`throws naming the valid range for ${bad}`, () => {
      assert.throws(() => ports(8080, bad), {
        name: 'RangeError',
        message: `ports: ${bad} is not a port number; use a whole number from 1 to 65535`,
      });
    });
  }
});

describe('workloadIdentity', () => {
  it('gives the namespace and service account the chart renders as a principal', () => {
    assert.deepEqual(workloadIdentity('bookinfo', 'bookinfo-reviews'), {
      namespace: 'bookinfo',
      serviceAccount: 'bookinfo-reviews',
    });
  });
});

describe('matchLabels', () => {
  it("wraps labels in Istio's selector shape", () => {
    assert.deepEqual(matchLabels({ app: 'api', version: 'v2' }), {
      matchLabels: { app: 'api', version: 'v2' },
    });
  });

  it('copies the labels, so a later change to the argument does not leak in', () => {
    const labels: Record<string, string> = { app: 'api' };
    const selector = matchLabels(labels);
    labels.app = 'other';
    assert.deepEqual(selector, { matchLabels: { app: 'api' } });
  });

  it('throws for no labels, which would select the whole namespace', () => {
    assert.throws(() => matchLabels({}), /matchLabels needs at least one label/);
  });
});

describe('defineValues', () => {
  it('returns the values it is given', () => {
    const values = { peerAuthentication: { namespace: { mode: 'STRICT' as const } } };
    assert.equal(defineValues(values), values);
  });

  it('accepts values that leave out everything the chart defaults', () => {
    assert.deepEqual(defineValues({}), {});
    assert.deepEqual(defineValues({ authorization: { defaultDeny: { dryRun: true } } }), {
      authorization: { defaultDeny: { dryRun: true } },
    });
  });

  // Type checks only: each @ts-expect-error fails `tsc` if the type stops rejecting the value.
  // One mistake per call, because TypeScript reports only the first mistake in an object.
  it('keeps the generated types strict for what is given', () => {
    // @ts-expect-error action is the enum ALLOW | DENY | AUDIT | CUSTOM
    defineValues({ authorization: { policies: { lowercase: { action: 'allow' } } } });
    defineValues({
      authorization: {
        policies: {
          // @ts-expect-error ports are strings in Istio
          numeric: { rules: [{ to: [{ operation: { ports: [8080] } }] }] },
        },
      },
    });
    // @ts-expect-error misspelt key
    defineValues({ authorization: { defaultdeny: { enabled: true } } });
    // @ts-expect-error a new map entry has no defaults: a workload policy needs its selector
    defineValues({ peerAuthentication: { workloads: { orders: { mode: 'STRICT' } } } });
    // null removes an entry an earlier values file set, so it stays allowed.
    defineValues({ authorization: { policies: { removed: null } } });
    assert.ok(true);
  });
});
