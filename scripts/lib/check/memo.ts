// Views of a document that several rules share (its rules, sources, operations, conditions),
// computed once per document while checkDocuments runs its rules, instead of once per rule.
//
// Each view remembers the last document only: checkDocuments runs every document rule on one
// document before it goes on to the next, and views kept for every document would outlive the
// garbage collector's young generation and cost more to keep than to recompute. Outside
// checkDocuments (a rule called on its own) nothing is memoized, so a document changed between
// two calls is never seen stale.
//
//   import { memoizedByDocument, withDocumentMemo } from './memo.js';
//   const sources = memoizedByDocument(computeSources);
//   withDocumentMemo(() => rules.flatMap((rule) => rule(document)));

let active = false;
// Bumped at the start and end of every run, so that no view outlives the run that made it.
let generation = 0;

/** Runs `run` with memoized views on. */
export function withDocumentMemo<T>(run: () => T): T {
  const wasActive = active;
  active = true;
  generation += 1;
  try {
    return run();
  } finally {
    active = wasActive;
    generation += 1;
  }
}

/** `compute`, remembering its result for the last document it was given during a run. */
export function memoizedByDocument<D extends object, T>(compute: (document: D) => T) {
  let lastDocument: D | undefined;
  let lastGeneration = -1;
  let lastValue: T | undefined;
  return (document: D): T => {
    if (!active) return compute(document);
    if (document !== lastDocument || lastGeneration !== generation) {
      lastValue = compute(document);
      lastDocument = document;
      lastGeneration = generation;
    }
    return lastValue as T;
  };
}
