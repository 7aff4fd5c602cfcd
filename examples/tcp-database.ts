// A PostgreSQL server in namespace data that only two workloads may connect to: the orders API
// and the billing worker. Postgres speaks plain TCP, so the rule matches identities and the port
// only: an HTTP-only field (methods, paths, hosts, requestPrincipals) would make Istio drop the
// whole ALLOW rule on this port and deny every connection.
//
// Build: npm run build-values   (writes generated/values/tcp-database.yaml)

import {
  defineValues,
  matchLabels,
  ports,
  workloadIdentity,
  type Release,
} from '../scripts/lib/authoring.js';

export const release: Release = { name: 'data', namespace: 'data' };

export default defineValues({
  peerAuthentication: {
    namespace: { mode: 'STRICT' },
  },
  authorization: {
    defaultDeny: { enabled: true },
    policies: {
      'postgres-clients': {
        action: 'ALLOW',
        selector: matchLabels({ app: 'postgres' }),
        rules: [
          {
            from: [
              {
                source: {
                  workloadIdentities: [
                    workloadIdentity('orders', 'orders-api'),
                    workloadIdentity('billing', 'billing-worker'),
                  ],
                },
              },
            ],
            to: [{ operation: { ports: ports(5432) } }],
          },
        ],
      },
    },
  },
});
