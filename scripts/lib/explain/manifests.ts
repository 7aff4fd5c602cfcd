// Reads the manifests `explain` and `graph` simulate: multi-document YAML and Lists as `check`
// reads them, or a scenario file (a map holding `resources:`, as in test/conformance/), whose
// resources are read in order. A document without metadata.namespace gets the namespace a
// `kubectl apply -n` would give it: the scenario's, else `defaultNamespace`.
//
// Input that cannot be read, is not YAML, or names a kind the API server does not serve is a
// UsageError listing every problem with its file and document, so nothing is half simulated.

import { readFileSync } from 'node:fs';

import yaml from 'js-yaml';

import { UsageError } from '../errors.js';
import { HELM_VALUES_SCHEMA } from '../yaml-values.js';
import { formatFinding } from '../check/format.js';
import { readText, STDIN, toIstioDocument } from '../check/read.js';
import type { IstioDocument } from '../check/types.js';
import { isRecord } from './scope.js';

export interface Manifests {
  documents: IstioDocument[];
  /** Documents of other kinds, skipped. */
  skipped: number;
}

/** Every security document of the files, in order, each with a namespace. */
export function readManifests(files: readonly string[], defaultNamespace: string): Manifests {
  const manifests: Manifests = { documents: [], skipped: 0 };
  const problems: string[] = [];
  for (const file of files) {
    const text = readSource(file);
    const scenario = scenarioResources(text);
    if (scenario !== undefined) {
      manifests.documents.push(...scenarioDocuments(file, scenario, defaultNamespace));
      continue;
    }
    const read = readText(file, text);
    problems.push(...read.findings.filter((finding) => finding.severity === 'error').map(formatFinding));
    manifests.documents.push(...read.documents.map((document) => withNamespace(document, defaultNamespace)));
    manifests.skipped += read.skipped;
  }
  if (problems.length > 0) {
    throw new UsageError(`cannot read the manifests:\n${problems.map((line) => `  ${line}`).join('\n')}`);
  }
  return manifests;
}

interface Scenario {
  resources: unknown[];
  namespace: string | undefined;
  applyNamespaces: unknown[];
}

// A single-document map with a `resources` list and no `kind` is a scenario file.
function scenarioResources(text: string): Scenario | undefined {
  let parsed: unknown;
  try {
    parsed = yaml.load(text, { schema: HELM_VALUES_SCHEMA });
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || parsed.kind !== undefined || !Array.isArray(parsed.resources)) {
    return undefined;
  }
  return {
    resources: parsed.resources,
    namespace: typeof parsed.namespace === 'string' ? parsed.namespace : undefined,
    applyNamespaces: Array.isArray(parsed.applyNamespaces) ? parsed.applyNamespaces : [],
  };
}

function scenarioDocuments(file: string, scenario: Scenario, defaultNamespace: string): IstioDocument[] {
  const documents: IstioDocument[] = [];
  scenario.resources.forEach((resource, index) => {
    const document = toIstioDocument(resource, file, index, 1, `resources[${index}]`);
    if (document === undefined) return;
    const applied = scenario.applyNamespaces[index];
    const namespace =
      typeof applied === 'string' ? applied : (scenario.namespace ?? defaultNamespace);
    documents.push(withNamespace(document, namespace));
  });
  return documents;
}

function withNamespace(document: IstioDocument, namespace: string): IstioDocument {
  if (document.namespace !== '') return document;
  const metadata = isRecord(document.object.metadata) ? document.object.metadata : {};
  return {
    ...document,
    namespace,
    object: { ...document.object, metadata: { ...metadata, namespace } },
  };
}

function readSource(file: string): string {
  try {
    return readFileSync(file === STDIN ? 0 : file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot read ${file === STDIN ? 'standard input' : file}: ${reason}`);
  }
}
