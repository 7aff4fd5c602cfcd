// Reads the input of `npm run check`: files (or `-` for standard input) of multi-document YAML,
// kept as Istio security documents with their file, document index and starting line.
//
// Values are read the way Kubernetes reads manifests, as YAML 1.1 scalars (unquoted yes/no/on/off
// are booleans, timestamps stay strings), with the schema the values files use. Each document is
// parsed on its own, so a syntax error names its line and the other documents are still checked.
// AuthorizationPolicy, PeerAuthentication and RequestAuthentication of security.istio.io v1 and
// v1beta1 are kept; other kinds and empty documents are counted as skipped.
//
// The items of a `kind: List` (and of any `<Kind>List` with `items`, as `kubectl get -o yaml`
// prints) are read as documents of their own: they keep the List's document index and line, and
// their findings' paths start with the item, as in `items[2].spec.rules[0]`.
//
// Input that the API server would refuse or that would exhaust this process is an IZT-C-YAML
// error for its document, and the other documents and files are still checked: a key written
// twice in one map (kubectl rejects it), nesting deeper than MAX_DEPTH, and aliases that expand
// to more than MAX_NODES values (an "alias bomb"). A security.istio.io document of a version or
// kind the API server does not serve is an IZT-C-KIND error; input without any document at all
// is an error too, so that a failed `helm template | npm run check -- -` fails the check.
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
import { editDistance } from '../text.js';

export const STDIN = '-';
export const YAML_CODE = 'IZT-C-YAML';
export const KIND_CODE = 'IZT-C-KIND';
export const SECURITY_GROUP = 'security.istio.io';
export const SECURITY_API_VERSIONS: readonly string[] = [
  'security.istio.io/v1',
  'security.istio.io/v1beta1',
];
/** The deepest nesting of maps and lists read; Istio policies nest about 10 deep. */
export const MAX_DEPTH = 200;
/** The most values one document may expand to, counting each use of an alias anew. */
export const MAX_NODES = 1_000_000;
export const NO_DOCUMENTS_MESSAGE = 'no YAML documents in the input';

const DOCUMENT_START = /^---(?=\s|$)/;
const DOCUMENT_END = /^\.\.\.(?=\s|$)/;
const BLANK_OR_COMMENT = /^\s*(#.*)?$/;
const DIRECTIVE = /^%/;
const YAML_FIX = 'correct the YAML at that line; each document must be one Kubernetes object';
const DUPLICATE_KEY_FIX = 'keep one of the two entries (merge their values if both are meant)';
const SIZE_FIX = 'write the object out without deep nesting or nested aliases';
const NO_DOCUMENTS_FIX =
  'give manifests to check; if they come from `helm template`, see why it printed nothing';
// js-yaml opens at most two nodes per level of nesting; stopping there keeps its recursive parser
// from overflowing the stack.
const MAX_OPEN_NODES = 2 * MAX_DEPTH;
const LIST_KIND = /^[A-Za-z0-9]*List$/;
// A key as written at the start of a line or after `{`/`,`: quoted, or plain up to its `:`.
const WRITTEN_KEY = /^(?:-\s+)*("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s:,{}[\]][^:,{}[\]]*?)\s*:/;

/** What the input holds. */
export interface ReadResult {
  documents: IstioDocument[];
  /** Documents of other kinds, and empty documents. */
  skipped: number;
  /** Errors for input that is not YAML, or not Kubernetes objects. */
  findings: CheckFinding[];
  /** Documents with content (anything but empty documents), of any kind. */
  objects: number;
}

/** A document nesting too deep for the parser; `line` is 1-based in its chunk. */
class TooLargeError extends Error {
  readonly line: number;

  constructor(message: string, line: number) {
    super(message);
    this.line = line;
  }
}

/** An error for one document: what, and how to fix it. */
interface Problem {
  message: string;
  fix: string;
}

/** One document's text with the 0-based line it starts at in the file. */
interface Chunk {
  text: string;
  line: number;
}

/** Reads every file in order; `-` reads standard input. Throws UsageError when one cannot be read. */
export function readInputs(files: readonly string[]): ReadResult {
  const result: ReadResult = { documents: [], skipped: 0, findings: [], objects: 0 };
  for (const file of files) {
    const read = readText(file, readSource(file));
    result.documents.push(...read.documents);
    result.skipped += read.skipped;
    result.findings.push(...read.findings);
    result.objects += read.objects;
  }
  if (result.objects === 0 && result.findings.length === 0) {
    result.findings.push(noDocumentsFinding(files));
  }
  return result;
}

/** Parses the text of one file, named `file` in findings. */
export function readText(file: string, text: string): ReadResult {
  const result: ReadResult = { documents: [], skipped: 0, findings: [], objects: 0 };
  let documentIndex = 0;
  for (const chunk of splitDocuments(text.replace(/^\uFEFF/, ''))) {
    const { objects, errors } = parseChunk(chunk, documentIndex);
    for (const { message, fix } of errors) {
      result.findings.push(yamlFinding(file, documentIndex, message, fix));
    }
    if (objects === undefined) {
      result.objects += 1;
      documentIndex += 1;
      continue;
    }
    for (const object of objects) {
      const tooLarge = sizeProblem(object);
      if (tooLarge !== undefined) {
        const message = `document ${documentIndex} (line ${startLine(chunk)}): ${tooLarge}`;
        result.findings.push(yamlFinding(file, documentIndex, message, SIZE_FIX));
        result.objects += 1;
      } else {
        addDocument(result, file, documentIndex, startLine(chunk), object);
      }
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
  itemPath = '',
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
    ...(itemPath === '' ? {} : { itemPath }),
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
  itemPath = '',
): void {
  if ((object === null || object === undefined) && itemPath === '') {
    result.skipped += 1;
    return;
  }
  result.objects += 1;
  const where = itemPath === '' ? `line ${line}: the document` : `line ${line}: ${itemPath}`;
  if (!isObject(object)) {
    const what =
      object === null || object === undefined
        ? 'empty'
        : Array.isArray(object)
          ? 'a list'
          : `a ${typeof object}`;
    const message = `${where} is ${what}, not a Kubernetes object (a YAML mapping)`;
    result.findings.push(yamlFinding(file, documentIndex, message));
    return;
  }
  if (itemPath === '' && isList(object)) {
    (object.items as unknown[]).forEach((item, index) => {
      addDocument(result, file, documentIndex, line, item, `items[${index}]`);
    });
    return;
  }
  const kindFinding = unservedKind(object, file, documentIndex, itemPath);
  if (kindFinding !== undefined) {
    result.findings.push(kindFinding);
    return;
  }
  const document = toIstioDocument(object, file, documentIndex, line, itemPath);
  if (document === undefined) result.skipped += 1;
  else result.documents.push(document);
}

// `kind: List`, or `<Kind>List` (PodList, AuthorizationPolicyList) holding `items`.
function isList(object: Record<string, unknown>): boolean {
  return (
    typeof object.kind === 'string' && LIST_KIND.test(object.kind) && Array.isArray(object.items)
  );
}

// A security.istio.io document that the API server does not serve, with what to write instead.
function unservedKind(
  object: Record<string, unknown>,
  file: string,
  documentIndex: number,
  itemPath: string,
): CheckFinding | undefined {
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== 'string' || !apiVersion.startsWith(`${SECURITY_GROUP}/`)) {
    return undefined;
  }
  const kindText = typeof kind === 'string' ? kind : String(kind ?? '');
  const knownKind = SECURITY_KINDS.includes(kindText as SecurityKind);
  const servedVersion = SECURITY_API_VERSIONS.includes(apiVersion);
  if (knownKind && servedVersion) return undefined;
  const near = nearestKind(kindText);
  const problems: string[] = [];
  const fixes: string[] = [];
  if (!servedVersion) {
    problems.push(`apiVersion ${apiVersion}`);
    fixes.push(`apiVersion: ${SECURITY_API_VERSIONS[0]}`);
  }
  if (!knownKind) {
    problems.push(`kind ${kindText === '' ? '(none)' : kindText}`);
    fixes.push(near === undefined ? `kind: one of ${SECURITY_KINDS.join(', ')}` : `kind: ${near}`);
  }
  const prefix = itemPath === '' ? '' : `${itemPath}: `;
  const metadata = asRecord(object.metadata);
  return {
    file,
    documentIndex,
    kind: kindText,
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : '',
    name: typeof metadata.name === 'string' ? metadata.name : '',
    severity: 'error',
    code: KIND_CODE,
    path: itemPath,
    message: `${prefix}the API server does not serve ${problems.join(' with ')} (${SECURITY_GROUP} serves ${SECURITY_KINDS.join(', ')} in v1 and v1beta1; kinds are case-sensitive), so it is rejected and not checked here`,
    fix: `write ${fixes.join(' and ')}`,
  };
}

// The security kind that `kind` is a case-insensitive or near (at most 2 edits) spelling of.
function nearestKind(kind: string): SecurityKind | undefined {
  const lower = kind.toLowerCase();
  return SECURITY_KINDS.find((known) => editDistance(known.toLowerCase(), lower) <= 2);
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

// Parses a chunk as Kubernetes reads it: a key written twice is an error (js-yaml's `json: true`
// would silently keep the last), reported and then read with the last value kept so that the rest
// of the document is still checked. `objects` is undefined when the chunk cannot be read.
function parseChunk(
  chunk: Chunk,
  documentIndex: number,
): { objects: unknown[] | undefined; errors: Problem[] } {
  try {
    return { objects: loadChunk(chunk.text, false), errors: [] };
  } catch (error) {
    const duplicate = duplicateKeyMessage(error, chunk, documentIndex);
    const failure = duplicate ?? parseFailure(error, chunk, documentIndex);
    if (duplicate === undefined) return { objects: undefined, errors: [failure] };
    try {
      return { objects: loadChunk(chunk.text, true), errors: [failure] };
    } catch (again) {
      return { objects: undefined, errors: [failure, parseFailure(again, chunk, documentIndex)] };
    }
  }
}

function loadChunk(text: string, keepLastKey: boolean): unknown[] {
  let open = 0;
  // js-yaml's listener sees every node open and close; its parser recurses once per node open.
  const listener = (event: yaml.EventType, state: yaml.State): void => {
    open += event === 'open' ? 1 : -1;
    if (open > MAX_OPEN_NODES) {
      const message = `maps and lists nest more than ${MAX_DEPTH} levels deep`;
      throw new TooLargeError(message, state.line + 1);
    }
  };
  return yaml.loadAll(text, null, { schema: HELM_VALUES_SCHEMA, json: keepLastKey, listener });
}

function parseFailure(error: unknown, chunk: Chunk, documentIndex: number): Problem {
  if (error instanceof TooLargeError) {
    const at = chunk.line + error.line;
    return { message: `document ${documentIndex} at line ${at}: ${error.message}`, fix: SIZE_FIX };
  }
  // A parser overflowing the stack despite the nesting limit: refuse the document, not the run.
  if (error instanceof RangeError) {
    const message = `document ${documentIndex} (line ${startLine(chunk)}) nests too deep to read: ${error.message}`;
    return { message, fix: SIZE_FIX };
  }
  if (!(error instanceof yaml.YAMLException)) throw error;
  const line = chunk.line + (error.mark?.line ?? 0) + 1;
  return {
    message: `document ${documentIndex} is not valid YAML at line ${line}: ${error.reason}`,
    fix: YAML_FIX,
  };
}

function duplicateKeyMessage(
  error: unknown,
  chunk: Chunk,
  documentIndex: number,
): Problem | undefined {
  if (!(error instanceof yaml.YAMLException) || error.reason !== 'duplicated mapping key') {
    return undefined;
  }
  const mark = error.mark;
  const line = chunk.line + (mark?.line ?? 0) + 1;
  const key = writtenKey(chunk.text.slice(mark?.position ?? 0));
  const what = key === undefined ? 'a key' : `key ${JSON.stringify(key)}`;
  return {
    message: `document ${documentIndex}, line ${line}: ${what} appears twice in the same map; kubectl rejects it`,
    fix: DUPLICATE_KEY_FIX,
  };
}

// The key written at the start of `text`, unquoted.
function writtenKey(text: string): string | undefined {
  const written = WRITTEN_KEY.exec(text)?.[1];
  if (written === undefined) return undefined;
  if (!/^["']/.test(written)) return written.trim();
  try {
    return String(yaml.load(written));
  } catch {
    return written;
  }
}

// Why a parsed document is refused: deeper than MAX_DEPTH, or more than MAX_NODES values once
// aliases are expanded (each use of an alias counts its whole value again, as a consumer that
// walks or serialises the object would). Walks without recursion, and stops at the budget.
function sizeProblem(root: unknown): string | undefined {
  const stack: [unknown, number][] = [[root, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    nodes += 1;
    if (nodes > MAX_NODES) {
      return `aliases expand to more than ${MAX_NODES} values (nested aliases); refused`;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_DEPTH) return `maps and lists nest more than ${MAX_DEPTH} levels deep`;
    const children = Array.isArray(value) ? value : Object.values(value);
    for (const child of children) stack.push([child, depth + 1]);
  }
  return undefined;
}

// The first line with content: the `---` marker, or the first key of an unmarked document.
function startLine(chunk: Chunk): number {
  const offset = chunk.text.split('\n').findIndex((line) => !BLANK_OR_COMMENT.test(line));
  return chunk.line + Math.max(offset, 0) + 1;
}

// Named after all the files read, since none of them holds a document.
function noDocumentsFinding(files: readonly string[]): CheckFinding {
  return yamlFinding(files.join(' '), 0, NO_DOCUMENTS_MESSAGE, NO_DOCUMENTS_FIX);
}

function yamlFinding(
  file: string,
  documentIndex: number,
  message: string,
  fix = YAML_FIX,
): CheckFinding {
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
    fix,
  };
}

function asRecord(value: unknown): Record<string, unknown> {
  return isObject(value) ? value : {};
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
