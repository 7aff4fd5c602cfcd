// The shapes `npm run check` works with: the Istio security documents it reads, the findings its
// rules return, and the findings it reports.

export type Severity = 'error' | 'warning';

export const SECURITY_KINDS = [
  'AuthorizationPolicy',
  'PeerAuthentication',
  'RequestAuthentication',
] as const;
export type SecurityKind = (typeof SECURITY_KINDS)[number];

/** One AuthorizationPolicy, PeerAuthentication or RequestAuthentication read from the input. */
export interface IstioDocument {
  /** The file as given on the command line, or `-` for standard input. */
  file: string;
  /** 0-based index of the document in its file, counting every document. */
  documentIndex: number;
  /** 1-based line where the document starts, for messages. */
  line: number;
  apiVersion: string;
  kind: SecurityKind;
  /** metadata.namespace, or '' when the document has none. */
  namespace: string;
  /** metadata.name, or '' when the document has none. */
  name: string;
  /** The whole parsed document. */
  object: Record<string, unknown>;
  /**
   * For an item of a List (`kind: List` or `<Kind>List`): its path in the List, such as
   * `items[2]`, which starts the paths of its findings. Absent for a document of its own.
   */
  itemPath?: string;
}

/** What a rule says about one document. */
export interface RuleFinding {
  severity: Severity;
  /** Stable code: IZT-C-CRD-*, IZT-C-WH-* or IZT-C-W* (see README). */
  code: string;
  /** The field it is about, dotted from the document root: spec.rules[0].to[0].operation.ports[1]. */
  path: string;
  /** One line: what is wrong. */
  message: string;
  /** One line: how to fix it. */
  fix: string;
}

/** A rule that looks at one document alone. */
export type DocumentRule = (document: IstioDocument) => RuleFinding[];

/** A rule that needs the whole input (e.g. a RequestAuthentication and the policy requiring it). */
export type InputRule = (
  documents: readonly IstioDocument[],
) => { document: IstioDocument; finding: RuleFinding }[];

/** A finding as reported: where, and what. */
export interface CheckFinding extends RuleFinding {
  file: string;
  documentIndex: number;
  kind: string;
  namespace: string;
  name: string;
}
