// Stage 2 of moving namespace orders to mutual TLS (stage 1 is mtls-migration.ts): STRICT for
// the whole namespace, except the orders workload's metrics port 8081, which stays PERMISSIVE
// for a Prometheus that runs outside the mesh. Upgrade the same release with this file.
// The allow-nothing default stays a dry run, as in stage 1.
//
// Build: npm run build-values   (writes generated/values/mtls-migration-strict.yaml)

import { defineValues, matchLabels, ports, type Release } from '../scripts/lib/authoring.js';

// The container port the orders pods serve metrics on, not a Service port: Istio matches
// portLevelMtls against the workload's port.
const [METRICS_PORT] = ports(8081);

export const release: Release = { name: 'orders', namespace: 'orders' };

export default defineValues({
  peerAuthentication: {
    namespace: { mode: 'STRICT' },
    workloads: {
      'orders-metrics': {
        selector: matchLabels({ app: 'orders' }),
        mode: 'STRICT',
        portLevelMtls: { [METRICS_PORT]: { mode: 'PERMISSIVE' } },
      },
    },
  },
  authorization: {
    defaultDeny: { enabled: true, dryRun: true },
  },
});
