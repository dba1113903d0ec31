/**
 * Text that came from outside (a stage's output, a file's name, a model's answer) made safe to
 * show: on a terminal, in a case file, in the state files. Pure and linear in the input.
 */

/**
 * Escape sequences a terminal would act on: CSI (`ESC [ … final`, colours, cursor moves, screen
 * clears), OSC (`ESC ] … BEL` or `ESC ] … ESC \`, window titles and OSC 52 clipboard writes),
 * DCS/SOS/PM/APC strings, and two-character escapes. See ECMA-48 §5.3–5.6 and xterm's
 * ctlseqs ("XTerm Control Sequences", invisible-island.net/xterm/ctlseqs/ctlseqs.html).
 */
const ESCAPE_SEQUENCES =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what is removed
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b[\]PX^_][^\u0007\u001b\n]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]|\u009b[0-?]*[ -/]*[@-~]/g;

/** C0 controls except tab and newline, DEL, and C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what is removed
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * The text with every terminal escape sequence and control character removed (tabs and
 * newlines stay; a carriage return before a newline goes, a lone one becomes a newline, as a
 * terminal would have shown a new line).
 */
export function stripControls(text: string): string {
  return text
    .replace(ESCAPE_SEQUENCES, "")
    .replace(/\r\n/g, "\n")
    .replace(/\r/g, "\n")
    .replace(CONTROL_CHARACTERS, "");
}

/**
 * A Markdown code span for text that must stay on one line and inert (a file name in a heading):
 * controls and newlines removed, and fenced with more backticks than any run inside it
 * (CommonMark 0.31 §6.1), padded with a space when it starts or ends with a backtick.
 */
export function inlineCode(text: string): string {
  const flat = stripControls(text).replace(/\n/g, " ");
  let longest = 0;
  for (const run of flat.matchAll(/`+/g)) {
    longest = Math.max(longest, run[0].length);
  }
  const marks = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${marks}${pad}${flat}${pad}${marks}`;
}

/**
 * Rows of cells as lines of aligned columns, two spaces apart, for a table a person reads in a
 * terminal (the first row is usually the header). The last column is not padded.
 */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, cell.length);
    });
  }
  return rows.map((cells) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}
