// A JSON API in namespace api that only the ingress gateway may call, and only with a JWT from
// the company's identity provider that is meant for this API (audience) and carries the
// api.read scope. /healthz stays reachable without a token for the gateway's health checks.
//
// Build: npm run build-values   (writes generated/values/jwt-api-gateway.yaml)

import {
  defineValues,
  matchLabels,
  ports,
  workloadIdentity,
  type Release,
} from '../scripts/lib/authoring.js';

const NAMESPACE = 'api';
const API = matchLabels({ app: 'api' });
const API_PORT = ports(8080);
const INGRESS_GATEWAY = workloadIdentity('istio-system', 'istio-ingressgateway-service-account');

export const release: Release = { name: 'api', namespace: NAMESPACE };

export default defineValues({
  peerAuthentication: {
    namespace: { mode: 'STRICT' },
  },
  authorization: {
    defaultDeny: { enabled: true },
    policies: {
      'api-from-ingress': {
        action: 'ALLOW',
        selector: API,
        rules: [
          {
            from: [{ source: { workloadIdentities: [INGRESS_GATEWAY] } }],
            to: [{ operation: { ports: API_PORT } }],
          },
        ],
      },
    },
  },
  requestAuthentication: {
    'api-jwt': {
      selector: API,
      jwtRules: [
        {
          issuer: 'https://auth.example.com',
          jwksUri: 'https://auth.example.com/.well-known/jwks.json',
          audiences: ['api.example.com'],
        },
      ],
      requireToken: {
        excludePaths: ['/healthz'],
        ports: API_PORT,
        // Envoy splits the scope claim on spaces, so "api.read api.write" matches too.
        requiredClaims: { scope: ['api.read'] },
      },
    },
  },
});
