// Reads the input of `npm run check`: files (or `-` for standard input) of multi-document YAML,
// kept as Istio security documents with their file, document index and starting line.
//
// Values are read the way Kubernetes reads manifests, as YAML 1.1 scalars (unquoted yes/no/on/off
// are booleans, timestamps stay strings), with the schema the values files use. Each document is
// parsed on its own, so a syntax error names its line and the other documents are still checked.
// AuthorizationPolicy, PeerAuthentication and RequestAuthentication of security.istio.io v1 and
// v1beta1 are kept; other kinds and empty documents are counted as skipped.
//
//   import { readInputs } from './read.js';
//   const { documents, skipped, findings } = readInputs(['a.yaml', '-']);

import { readFileSync } from 'node:fs';

import yaml from 'js-yaml';

import { UsageError } from '../errors.js';
import { HELM_VALUES_SCHEMA } from '../yaml-values.js';
import {
  SECURITY_KINDS,
  type CheckFinding,
  type IstioDocument,
  type SecurityKind,
} from './types.js';

export const STDIN = '-';
export const YAML_CODE = 'IZT-C-YAML';
export const SECURITY_API_VERSIONS: readonly string[] = [
  'security.istio.io/v1',
  'security.istio.io/v1beta1',
];

const DOCUMENT_START = /^---(?=\s|$)/;
const DOCUMENT_END = /^\.\.\.(?=\s|$)/;
const BLANK_OR_COMMENT = /^\s*(#.*)?$/;
const DIRECTIVE = /^%/;
const YAML_FIX = 'correct the YAML at that line; each document must be one Kubernetes object';

/** What the input holds. */
export interface ReadResult {
  documents: IstioDocument[];
  /** Documents of other kinds, and empty documents. */
  skipped: number;
  /** Errors for input that is not YAML, or not Kubernetes objects. */
  findings: CheckFinding[];
}

/** One document's text with the 0-based line it starts at in the file. */
interface Chunk {
  text: string;
  line: number;
}

/** Reads every file in order; `-` reads standard input. Throws UsageError when one cannot be read. */
export function readInputs(files: readonly string[]): ReadResult {
  const result: ReadResult = { documents: [], skipped: 0, findings: [] };
  for (const file of files) {
    const read = readText(file, readSource(file));
    result.documents.push(...read.documents);
    result.skipped += read.skipped;
    result.findings.push(...read.findings);
  }
  return result;
}

/** Parses the text of one file, named `file` in findings. */
export function readText(file: string, text: string): ReadResult {
  const result: ReadResult = { documents: [], skipped: 0, findings: [] };
  let documentIndex = 0;
  for (const chunk of splitDocuments(text.replace(/^\uFEFF/, ''))) {
    const parsed = parseChunk(chunk, documentIndex);
    if (parsed instanceof Error) {
      result.findings.push(yamlFinding(file, documentIndex, parsed.message));
      documentIndex += 1;
      continue;
    }
    for (const object of parsed) {
      addDocument(result, file, documentIndex, startLine(chunk), object);
      documentIndex += 1;
    }
  }
  return result;
}

/** The document as an IstioDocument when it is one of the three kinds in v1 or v1beta1. */
export function toIstioDocument(
  object: unknown,
  file: string,
  documentIndex: number,
  line: number,
): IstioDocument | undefined {
  if (!isObject(object)) return undefined;
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== 'string' || !SECURITY_API_VERSIONS.includes(apiVersion))
    return undefined;
  if (!SECURITY_KINDS.includes(kind as SecurityKind)) return undefined;
  const metadata = isObject(object.metadata) ? object.metadata : {};
  return {
    file,
    documentIndex,
    line,
    apiVersion,
    kind: kind as SecurityKind,
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : '',
    name: typeof metadata.name === 'string' ? metadata.name : '',
    object,
  };
}

function readSource(file: string): string {
  try {
    return readFileSync(file === STDIN ? 0 : file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const what = file === STDIN ? 'standard input' : file;
    throw new UsageError(`cannot read ${what}: ${reason}`);
  }
}

function addDocument(
  result: ReadResult,
  file: string,
  documentIndex: number,
  line: number,
  object: unknown,
): void {
  if (object === null || object === undefined) {
    result.skipped += 1;
    return;
  }
  if (!isObject(object)) {
    const what = Array.isArray(object) ? 'a list' : `a ${typeof object}`;
    const message = `line ${line}: the document is ${what}, not a Kubernetes object (a YAML mapping)`;
    result.findings.push(yamlFinding(file, documentIndex, message));
    return;
  }
  const document = toIstioDocument(object, file, documentIndex, line);
  if (document === undefined) result.skipped += 1;
  else result.documents.push(document);
}

// Splits at `---` and `...` lines, which end a document wherever they stand in YAML; a chunk of
// directives only (%YAML) belongs to the document after it. Documents count as js-yaml counts them.
function splitDocuments(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  let lines: string[] = [];
  let start = 0;
  const close = (next: number): void => {
    // Comments before the first `---` make no document of their own.
    const empty = lines.every((line) => BLANK_OR_COMMENT.test(line));
    if (!(empty && chunks.length === 0 && next > 0)) {
      chunks.push({ text: lines.join('\n'), line: start });
    }
    lines = [];
    start = next;
  };
  text.split('\n').forEach((line, index) => {
    if (DOCUMENT_START.test(line) && !onlyDirectives(lines)) close(index);
    lines.push(line);
    if (DOCUMENT_END.test(line)) close(index + 1);
  });
  close(0);
  return chunks;
}

function onlyDirectives(lines: readonly string[]): boolean {
  const content = lines.filter((line) => !BLANK_OR_COMMENT.test(line));
  return content.length > 0 && content.every((line) => DIRECTIVE.test(line));
}

function parseChunk(chunk: Chunk, documentIndex: number): unknown[] | Error {
  try {
    return yaml.loadAll(chunk.text, null, { schema: HELM_VALUES_SCHEMA, json: true });
  } catch (error) {
    if (!(error instanceof yaml.YAMLException)) throw error;
    const line = chunk.line + (error.mark?.line ?? 0) + 1;
    const where = `document ${documentIndex} is not valid YAML at line ${line}`;
    return new Error(`${where}: ${error.reason}`);
  }
}

// The first line with content: the `---` marker, or the first key of an unmarked document.
function startLine(chunk: Chunk): number {
  const offset = chunk.text.split('\n').findIndex((line) => !BLANK_OR_COMMENT.test(line));
  return chunk.line + Math.max(offset, 0) + 1;
}

function yamlFinding(file: string, documentIndex: number, message: string): CheckFinding {
  return {
    file,
    documentIndex,
    kind: '',
    namespace: '',
    name: '',
    severity: 'error',
    code: YAML_CODE,
    path: '',
    message,
    fix: YAML_FIX,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
