// Stage 1 of moving namespace orders to mutual TLS: PERMISSIVE, so workloads accept both mTLS
// and plaintext while the last clients get sidecars. Stage 2 is mtls-migration-strict.ts.
// No ALLOW policies exist yet, so the allow-nothing default runs as a dry run: Istio logs what
// it would deny and refuses nothing.
//
// Build: npm run build-values   (writes generated/values/mtls-migration.yaml)

import { defineValues, type Release } from '../scripts/lib/authoring.js';

export const release: Release = { name: 'orders', namespace: 'orders' };

export default defineValues({
  peerAuthentication: {
    namespace: { mode: 'PERMISSIVE' },
  },
  authorization: {
    defaultDeny: { enabled: true, dryRun: true },
  },
});
