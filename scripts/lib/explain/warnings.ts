// What `explain` and `graph` say on stderr about the input their answers rest on: objects that
// replace one another (kubectl apply keeps the last), input without any security policy, and
// policies Istio's admission would refuse, which they simulate as written.

import { formatFinding } from '../check/format.js';
import { checkDocuments } from '../check/run.js';
import type { Manifests } from './manifests.js';

/** One line a warning, without the command's name. */
export function inputWarnings(manifests: Manifests): string[] {
  const warnings = [...manifests.replaced];
  if (manifests.documents.length === 0) {
    warnings.push(
      'the input holds no AuthorizationPolicy, PeerAuthentication or RequestAuthentication; every request is allowed by default',
    );
  }
  const errors = checkDocuments(manifests.documents).filter((finding) => finding.severity === 'error');
  if (errors.length > 0) {
    const what = errors.length === 1 ? 'this' : 'these';
    warnings.push(
      `Istio would refuse ${what} (npm run check explains); they are simulated as written:\n${errors
        .map((finding) => `  ${formatFinding(finding)}`)
        .join('\n')}`,
    );
  }
  return warnings;
}
