// Istio's Bookinfo sample locked down in namespace bookinfo: STRICT mutual TLS, an allow-nothing
// default, and one ALLOW policy per service for exactly the calls the app makes (ingress gateway
// -> productpage -> details and reviews -> ratings), all GET on port 9080. Productpage also
// requires a JWT from Istio's test issuer, except on its health path.
//
// Build: npm run build-values   (writes generated/values/bookinfo.yaml)

import {
  defineValues,
  matchLabels,
  ports,
  workloadIdentity,
  type Release,
} from '../scripts/lib/authoring.js';

const NAMESPACE = 'bookinfo';
const HTTP_PORT = ports(9080);
const INGRESS_GATEWAY = workloadIdentity('istio-system', 'istio-ingressgateway-service-account');
const PRODUCTPAGE = workloadIdentity(NAMESPACE, 'bookinfo-productpage');
const REVIEWS = workloadIdentity(NAMESPACE, 'bookinfo-reviews');

export const release: Release = { name: 'bookinfo', namespace: NAMESPACE };

// STRICT mTLS and the allow-nothing default are the chart's defaults; they are spelt out so the
// example states its posture and keeps it if a default ever changes.
export default defineValues({
  peerAuthentication: {
    namespace: { mode: 'STRICT' },
  },
  authorization: {
    defaultDeny: { enabled: true },
    policies: {
      'productpage-viewer': {
        action: 'ALLOW',
        selector: matchLabels({ app: 'productpage' }),
        rules: [
          {
            from: [{ source: { workloadIdentities: [INGRESS_GATEWAY] } }],
            to: [{ operation: { methods: ['GET'], ports: HTTP_PORT } }],
          },
        ],
      },
      'details-viewer': {
        action: 'ALLOW',
        selector: matchLabels({ app: 'details' }),
        rules: [
          {
            from: [{ source: { workloadIdentities: [PRODUCTPAGE] } }],
            to: [{ operation: { methods: ['GET'], ports: HTTP_PORT } }],
          },
        ],
      },
      'reviews-viewer': {
        action: 'ALLOW',
        selector: matchLabels({ app: 'reviews' }),
        rules: [
          {
            from: [{ source: { workloadIdentities: [PRODUCTPAGE] } }],
            to: [{ operation: { methods: ['GET'], ports: HTTP_PORT } }],
          },
        ],
      },
      'ratings-viewer': {
        action: 'ALLOW',
        selector: matchLabels({ app: 'ratings' }),
        rules: [
          {
            from: [{ source: { workloadIdentities: [REVIEWS] } }],
            to: [{ operation: { methods: ['GET'], ports: HTTP_PORT } }],
          },
        ],
      },
    },
  },
  requestAuthentication: {
    'productpage-jwt': {
      selector: matchLabels({ app: 'productpage' }),
      jwtRules: [
        {
          issuer: 'testing@secure.istio.io',
          jwksUri:
            'https://raw.githubusercontent.com/istio/istio/release-1.29/security/tools/jwt/samples/jwks.json',
        },
      ],
      requireToken: {
        // Kubelet probes and load balancer checks carry no token.
        excludePaths: ['/health'],
        ports: HTTP_PORT,
      },
    },
  },
});
