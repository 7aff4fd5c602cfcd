// How `check` writes the path of a finding: dotted from the document root, with a key that would
// not read back as one segment of that path (one holding `.`, `/`, brackets or quotes, as
// `istio.io/dry-run` does, or an empty key) in brackets: metadata.annotations["istio.io/dry-run"].
// Every rule builds map-key paths with keyPath, so one key is written one way in all findings.
//
//   import { keyPath } from './path.js';
//   keyPath('metadata.annotations', 'istio.io/dry-run'); // metadata.annotations["istio.io/dry-run"]

const BRACKETED_KEY = /[./[\]"]|^$/;

/** `base.key`, or `base["key"]` for a key that needs brackets; `key` alone when base is ''. */
export function keyPath(base: string, key: string): string {
  if (BRACKETED_KEY.test(key)) return `${base}[${JSON.stringify(key)}]`;
  return base === '' ? key : `${base}.${key}`;
}
