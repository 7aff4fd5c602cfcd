// Compares Istio security resources the way Istio reads them, for the conformance tests: a
// documented set and a rendered set match when, keyed by kind/namespace/name, every pair is
// deep-equal after normalizing only what Istio treats as identical:
//   - an AuthorizationPolicy without spec.action has action ALLOW;
//   - spec.targetRef: X is spec.targetRefs: [X];
//   - metadata.labels and metadata.annotations do not count, except istio.io/dry-run, which
//     must match exactly.
// Numeric map keys (portLevelMtls `8080:`) need no step of their own: a parsed YAML mapping is a
// JavaScript object, whose keys are strings, so `8080:` and `"8080":` are already one key.
// Everything else counts: apiVersion, list order, and any extra or missing field.
//
// Used by test/conformance.test.ts, which also holds the unit tests of this module.

import yaml from 'js-yaml';
import { isDeepStrictEqual } from 'node:util';

const DRY_RUN_ANNOTATION = 'istio.io/dry-run';
const IMPLICIT_ACTION = 'ALLOW';
const DIFF_INDENT = '    ';

type YamlMap = Record<string, unknown>;

/** One way in which two resource sets disagree, with enough text to act on it. */
export interface ResourceMismatch {
  /** kind/namespace/name of the resource. */
  key: string;
  problem: string;
  /** The resource as YAML, or a line diff of both sides (- documented, + rendered). */
  detail: string;
}

/** The non-empty documents of a multi-document YAML text. */
export function parseDocuments(text: string): unknown[] {
  return yaml.loadAll(text).filter((doc) => doc !== null && doc !== undefined);
}

/** A copy of `doc` with what Istio treats as identical written one way. */
export function normalizeResource(doc: unknown): unknown {
  if (!isMap(doc)) return doc;
  const copy = structuredClone(doc);
  normalizeMetadata(copy);
  normalizeSpec(copy);
  return copy;
}

/** kind/namespace/name, the identity of a resource in a cluster. */
export function resourceKey(doc: unknown): string {
  if (!isMap(doc)) return `(not a resource: ${JSON.stringify(doc)})`;
  const metadata = isMap(doc.metadata) ? doc.metadata : {};
  const kind = describeField(doc.kind, '(no kind)');
  const namespace = describeField(metadata.namespace, '(no namespace)');
  const name = describeField(metadata.name, '(no name)');
  return `${kind}/${namespace}/${name}`;
}

/** Every disagreement between the documented and the rendered resources, sorted by key. */
export function compareResourceSets(
  documented: readonly unknown[],
  rendered: readonly unknown[],
): ResourceMismatch[] {
  const documentedByKey = groupByKey(documented);
  const renderedByKey = groupByKey(rendered);
  const keys = [...new Set([...documentedByKey.keys(), ...renderedByKey.keys()])].sort();
  return keys.flatMap((key) =>
    compareOne(key, documentedByKey.get(key) ?? [], renderedByKey.get(key) ?? []),
  );
}

/** A failure message: the scenario, then each resource with its problem and its YAML or diff. */
export function formatMismatches(
  scenario: string,
  mismatches: readonly ResourceMismatch[],
): string {
  const lines = [
    `scenario ${scenario}: the render does not match the documented resources ` +
      `(compared after normalizing):`,
  ];
  for (const mismatch of mismatches) {
    lines.push(`  ${mismatch.key}: ${mismatch.problem}`);
    lines.push(...mismatch.detail.split('\n').map((line) => `${DIFF_INDENT}${line}`));
  }
  return lines.join('\n');
}

function normalizeMetadata(doc: YamlMap): void {
  const metadata = doc.metadata;
  if (!isMap(metadata)) return;
  const annotations = metadata.annotations;
  delete metadata.labels;
  delete metadata.annotations;
  // Istio reads this annotation to decide whether a policy is enforced, so it must survive.
  if (isMap(annotations) && Object.hasOwn(annotations, DRY_RUN_ANNOTATION)) {
    metadata.annotations = { [DRY_RUN_ANNOTATION]: annotations[DRY_RUN_ANNOTATION] };
  }
}

function normalizeSpec(doc: YamlMap): void {
  const spec = doc.spec;
  if (!isMap(spec)) return;
  if (doc.kind === 'AuthorizationPolicy' && !Object.hasOwn(spec, 'action')) {
    spec.action = IMPLICIT_ACTION;
  }
  // Setting both is invalid in Istio; leave such a spec alone so that it cannot match.
  if (Object.hasOwn(spec, 'targetRef') && !Object.hasOwn(spec, 'targetRefs')) {
    spec.targetRefs = [spec.targetRef];
    delete spec.targetRef;
  }
}

function compareOne(
  key: string,
  documented: readonly unknown[],
  rendered: readonly unknown[],
): ResourceMismatch[] {
  if (documented.length > 1 || rendered.length > 1) {
    const problem =
      `appears ${documented.length} time(s) in the documented set and ` +
      `${rendered.length} time(s) in the render; a key must be unique`;
    return [{ key, problem, detail: [...documented, ...rendered].map(toYaml).join('---\n') }];
  }
  const [want, got] = [documented[0], rendered[0]];
  if (got === undefined) {
    return [{ key, problem: 'documented but not rendered', detail: toYaml(want) }];
  }
  if (want === undefined) {
    return [{ key, problem: 'rendered but not documented', detail: toYaml(got) }];
  }
  const [wantNormal, gotNormal] = [normalizeResource(want), normalizeResource(got)];
  if (isDeepStrictEqual(wantNormal, gotNormal)) return [];
  return [
    {
      key,
      problem: 'differs (- documented, + rendered)',
      detail: lineDiff(toYaml(wantNormal), toYaml(gotNormal)),
    },
  ];
}

function groupByKey(docs: readonly unknown[]): Map<string, unknown[]> {
  const groups = new Map<string, unknown[]>();
  for (const doc of docs) {
    const key = resourceKey(doc);
    groups.set(key, [...(groups.get(key) ?? []), doc]);
  }
  return groups;
}

// Sorted keys line both sides up, so the diff shows only real differences.
function toYaml(doc: unknown): string {
  return yaml.dump(doc, { sortKeys: true, lineWidth: -1, noRefs: true }).trimEnd();
}

// A line diff over the longest common subsequence; resources are small, so O(n*m) is fine.
function lineDiff(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  const width = b.length + 1;
  const common = new Array<number>((a.length + 1) * width).fill(0);
  const at = (i: number, j: number): number => common[i * width + j] ?? 0;
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      common[i * width + j] =
        a[i] === b[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }
  const lines: string[] = [];
  let [i, j] = [0, 0];
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push(`  ${a[i++]}`);
      j += 1;
    } else if (j >= b.length || (i < a.length && at(i + 1, j) >= at(i, j + 1))) {
      lines.push(`- ${a[i++]}`);
    } else {
      lines.push(`+ ${b[j++]}`);
    }
  }
  return lines.join('\n');
}

function describeField(value: unknown, missing: string): string {
  if (value === undefined || value === null) return missing;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function isMap(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
