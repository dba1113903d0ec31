/**
 * A file as lines that remember their own line ending, so an edit keeps CRLF files CRLF, LF
 * files LF and a missing final newline missing.
 */
export type FileText = {
  /** Line texts without their endings. */
  lines: string[];
  /** The ending of each line ("" only for a last line without a final newline). */
  endings: string[];
  /** The ending new lines get: the file's most common one. */
  newline: "\n" | "\r\n";
};

export function splitFile(text: string): FileText {
  const lines: string[] = [];
  const endings: string[] = [];
  let start = 0;
  let crlf = 0;
  while (start < text.length) {
    const end = text.indexOf("\n", start);
    if (end === -1) {
      lines.push(text.slice(start));
      endings.push("");
      break;
    }
    const isCrlf = end > start && text[end - 1] === "\r";
    crlf += isCrlf ? 1 : 0;
    lines.push(text.slice(start, isCrlf ? end - 1 : end));
    endings.push(isCrlf ? "\r\n" : "\n");
    start = end + 1;
  }
  const lf = endings.filter((ending) => ending === "\n").length;
  return { lines, endings, newline: crlf > lf ? "\r\n" : "\n" };
}

export function joinFile(file: FileText): string {
  return file.lines.map((line, index) => line + (file.endings[index] ?? file.newline)).join("");
}

/** The lines of an edit's own text: CR dropped, so a diff converted to CRLF still reads. */
export function editLines(text: string): string[] {
  const lines = text.replaceAll("\r\n", "\n").split("\n");
  if (lines.at(-1) === "") {
    lines.pop();
  }
  return lines;
}
