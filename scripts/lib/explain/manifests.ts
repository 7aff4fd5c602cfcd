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
import { NO_DOCUMENTS_MESSAGE, readText, STDIN } from '../check/read.js';
import type { IstioDocument } from '../check/types.js';
import { isRecord } from './scope.js';

export interface Manifests {
  documents: IstioDocument[];
  /** Documents of other kinds, skipped. */
  skipped: number;
  /** One line for each object that a later one of the same kind, namespace and name replaces. */
  replaced: string[];
}

/** Every security document of the files, in order, each with a namespace. */
export function readManifests(files: readonly string[], defaultNamespace: string): Manifests {
  const documents: IstioDocument[] = [];
  const problems: string[] = [];
  let skipped = 0;
  let objects = 0;
  for (const file of files) {
    const text = readSource(file);
    const scenario = scenarioResources(text);
    const read = scenario === undefined ? readText(file, text) : readScenario(file, scenario);
    const namespace = scenario?.namespace ?? defaultNamespace;
    for (const finding of read.findings) {
      if (finding.severity === 'error') problems.push(formatFinding(finding));
    }
    for (const document of read.documents) documents.push(withNamespace(document, namespace));
    skipped += read.skipped;
    objects += read.objects;
  }
  if (problems.length > 0) {
    throw new UsageError(`cannot read the manifests:\n${problems.map((line) => `  ${line}`).join('\n')}`);
  }
  if (objects === 0) {
    throw new UsageError(`${NO_DOCUMENTS_MESSAGE} (${files.join(', ')}); give the rendered manifests, and if they come from helm template, see why it printed nothing`);
  }
  const { kept, replaced } = lastOfEachName(documents);
  return { documents: kept, skipped, replaced };
}

// Like kubectl apply, a later object of the same kind, namespace and name replaces an earlier one.
function lastOfEachName(documents: readonly IstioDocument[]): { kept: IstioDocument[]; replaced: string[] } {
  const last = new Map<string, IstioDocument>();
  const replaced: string[] = [];
  for (const document of documents) {
    if (document.name === '') continue;
    const key = `${document.kind}/${document.namespace}/${document.name}`;
    const earlier = last.get(key);
    if (earlier !== undefined) {
      replaced.push(`${document.kind} ${document.namespace}/${document.name} is given twice (${where(earlier)} and ${where(document)}); as kubectl apply would, the later one replaces the earlier`);
    }
    last.set(key, document);
  }
  const kept = documents.filter(
    (document) => document.name === '' || last.get(`${document.kind}/${document.namespace}/${document.name}`) === document,
  );
  return { kept, replaced };
}

function where(document: IstioDocument): string {
  const item = document.itemPath === undefined ? '' : ` ${document.itemPath}`;
  return `${document.file}:${document.documentIndex}${item}`;
}

interface Scenario {
  resources: unknown[];
  namespace: string | undefined;
  applyNamespaces: unknown[];
}

// A single-document map with a `resources` list and neither `kind` nor `apiVersion` is a
// scenario file.
function scenarioResources(text: string): Scenario | undefined {
  let parsed: unknown;
  try {
    parsed = yaml.load(text, { schema: HELM_VALUES_SCHEMA });
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || 'kind' in parsed || 'apiVersion' in parsed || !Array.isArray(parsed.resources)) {
    return undefined;
  }
  return {
    resources: parsed.resources,
    namespace: typeof parsed.namespace === 'string' ? parsed.namespace : undefined,
    applyNamespaces: Array.isArray(parsed.applyNamespaces) ? parsed.applyNamespaces : [],
  };
}

// The resources read as the items of a List, so that they get check's reading (kinds, versions,
// objects that are not maps); findings name them resources[N].
function readScenario(file: string, scenario: Scenario): ReturnType<typeof readText> {
  const items = scenario.resources.map((resource, index) => {
    const applied = scenario.applyNamespaces[index];
    if (typeof applied !== 'string' || !isRecord(resource)) return resource;
    const metadata = isRecord(resource.metadata) ? resource.metadata : {};
    if (typeof metadata.namespace === 'string') return resource;
    return { ...resource, metadata: { ...metadata, namespace: applied } };
  });
  const read = readText(file, yaml.dump({ apiVersion: 'v1', kind: 'List', items }, { noRefs: true }));
  const rename = (text: string): string => text.replace(/\bitems\[/g, 'resources[');
  return {
    ...read,
    documents: read.documents.map((document) => ({
      ...document,
      ...(document.itemPath === undefined ? {} : { itemPath: rename(document.itemPath) }),
    })),
    findings: read.findings.map((finding) => ({
      ...finding,
      path: rename(finding.path),
      message: rename(finding.message),
    })),
  };
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
