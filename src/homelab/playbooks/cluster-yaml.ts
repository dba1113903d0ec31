import { type Document, isScalar, parseDocument } from "yaml";

/** The cluster file as a YAML document whose edits keep comments and layout. */
export function clusterDocument(text: string): Document.Parsed {
  return parseDocument(text, { keepSourceTokens: true });
}

/** A value at a path, as plain JS, or undefined. */
export function valueAt(doc: Document.Parsed, path: readonly (string | number)[]): unknown {
  const node = doc.getIn(path, true);
  return isScalar(node) ? node.value : doc.getIn(path);
}

/**
 * Sets a scalar in place, so a trailing comment (`storage: local-lvm  # content: images`) stays
 * on its line. Returns the new text.
 */
export function setScalar(doc: Document.Parsed, path: readonly (string | number)[], value: string): string {
  const node = doc.getIn(path, true);
  if (isScalar(node)) {
    node.value = value;
  } else {
    doc.setIn(path, value);
  }
  return doc.toString();
}
