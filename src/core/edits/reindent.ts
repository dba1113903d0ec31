/**
 * When a block matched only with its indentation ignored, the added lines are moved to the
 * file's indentation. Aider does this for a uniform offset
 * (Aider-AI/aider@5dc9490b aider/coders/editblock_coder.py:243,
 * `replace_part_with_missing_leading_whitespace`); we also map each indentation the model used
 * to the one the file has, which covers tabs written as spaces and the reverse.
 */
import { foldPunctuation, hasTypographicPunctuation } from "./locate.ts";

const indentOf = (line: string) => /^[ \t]*/.exec(line)?.[0] ?? "";

export type LineAdapter = (line: string) => string;

/** An adapter for added lines, learned from the pairs (file line, edit line) that matched. */
export function indentAdapter(pairs: { file: string; edit: string }[]): LineAdapter {
  const map = new Map<string, string>();
  for (const { file, edit } of pairs) {
    if (file.trim() !== "" && !map.has(indentOf(edit))) {
      map.set(indentOf(edit), indentOf(file));
    }
  }
  const entries = [...map.entries()];
  const prefixAdded = commonDelta(entries, (edit, file) =>
    file.endsWith(edit) ? file.slice(0, file.length - edit.length) : undefined,
  );
  const prefixRemoved = commonDelta(entries, (edit, file) =>
    edit.endsWith(file) ? edit.slice(0, edit.length - file.length) : undefined,
  );
  const tabWidth = tabsForSpaces(entries);
  return (line) => {
    if (line.trim() === "") {
      return "";
    }
    const indent = indentOf(line);
    const rest = line.slice(indent.length);
    const mapped = map.get(indent);
    if (mapped !== undefined) {
      return mapped + rest;
    }
    if (tabWidth !== undefined && /^ *$/.test(indent) && indent.length % tabWidth === 0) {
      return "\t".repeat(indent.length / tabWidth) + rest;
    }
    if (prefixAdded !== undefined) {
      return prefixAdded + line;
    }
    if (prefixRemoved !== undefined && indent.startsWith(prefixRemoved)) {
      return line.slice(prefixRemoved.length);
    }
    const longest = [...map.keys()]
      .filter((key) => indent.startsWith(key))
      .sort((a, b) => b.length - a.length)[0];
    return longest === undefined ? line : (map.get(longest) as string) + line.slice(longest.length);
  };
}

function commonDelta(
  entries: [string, string][],
  delta: (edit: string, file: string) => string | undefined,
): string | undefined {
  const deltas = new Set(entries.map(([edit, file]) => delta(edit, file)));
  if (deltas.size !== 1 || deltas.has(undefined)) {
    return undefined;
  }
  return [...deltas][0];
}

/** The number of spaces the model wrote for each tab of the file, when that is consistent. */
function tabsForSpaces(entries: [string, string][]): number | undefined {
  const widths = new Set<number>();
  for (const [edit, file] of entries) {
    if (file === "" && edit === "") {
      continue;
    }
    if (!/^ +$/.test(edit) || !/^\t+$/.test(file) || edit.length % file.length !== 0) {
      return undefined;
    }
    widths.add(edit.length / file.length);
  }
  return widths.size === 1 ? [...widths][0] : undefined;
}

/**
 * When a block matched only with typographic punctuation folded and the matched lines have
 * none, the model's curly quotes and dashes are artefacts: added lines get ASCII ones too.
 */
export function punctuationAdapter(matchedFileLines: string[]): LineAdapter {
  const fileHasTypographic = matchedFileLines.some(hasTypographicPunctuation);
  return (line) => (fileHasTypographic ? line : foldPunctuation(line));
}
