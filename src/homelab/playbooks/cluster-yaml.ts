import { type Document, isScalar, parseDocument } from "yaml";

/** The cluster file as a YAML document, for reading values and locating nodes. */
export function clusterDocument(text: string): Document.Parsed {
  return parseDocument(text);
}

/** A value at a path, as plain JS, or undefined. */
export function valueAt(doc: Document.Parsed, path: readonly (string | number)[]): unknown {
  const node = doc.getIn(path, true);
  return isScalar(node) ? node.value : doc.getIn(path);
}

/**
 * Sets one scalar and changes nothing else: the document finds the value's source range and only
 * those characters are replaced, so comments, their alignment and flow maps stay byte for byte.
 * A value that is not there yet is added through the Document API (comments kept, layout redone).
 */
export function setScalar(text: string, path: readonly (string | number)[], value: string | number): string {
  const doc = parseDocument(text);
  const node = doc.getIn(path, true);
  if (isScalar(node) && node.range) {
    const [start, end] = node.range;
    const edited = `${text.slice(0, start)}${yamlScalar(value)}${text.slice(end)}`;
    if (parseDocument(edited).getIn(path) === value) {
      return edited;
    }
  }
  doc.setIn(path, value);
  // No folding: a flow map such as a node line must stay on its one line.
  return doc.toString({ lineWidth: 0 });
}

/** A number as is; a string plain when YAML reads it back as the same string, else double-quoted. */
function yamlScalar(value: string | number): string {
  if (typeof value === "number") {
    return String(value);
  }
  const plain = /^[A-Za-z0-9_./@-][A-Za-z0-9_./:@-]*$/.test(value) && parseDocument(value).toJS() === value;
  return plain ? value : JSON.stringify(value);
}
