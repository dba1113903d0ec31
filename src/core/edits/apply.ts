/**
 * Applies an update's blocks to one file: every block is located in the file as it is now
 * (not in the text an earlier block produced), blocks may not overlap, and nothing is written
 * unless every block found exactly one place.
 */
import { isPlaceholder } from "./elision.ts";
import { closestWindow, linesLike, locate, type MatchLevel } from "./locate.ts";
import { indentAdapter, type LineAdapter, punctuationAdapter } from "./reindent.ts";
import { type FileText, joinFile, splitFile } from "./text.ts";
import type { ChangeBlock, Refusal, Region } from "./types.ts";

type Placed = { block: ChangeBlock; start: number; end: number; adapt: LineAdapter; level: MatchLevel };

export type UpdateResult =
  | { ok: true; after: string; levels: MatchLevel[] }
  | { ok: false; refusals: Refusal[] };

const lineList = (regions: Region[]) =>
  regions
    .map((region) => (region.start === region.end ? `${region.start}` : `${region.start}-${region.end}`))
    .join(", ");

export function applyBlocks(path: string, before: string, blocks: ChangeBlock[]): UpdateResult {
  const file = splitFile(before);
  const refusals: Refusal[] = [];
  const placed: Placed[] = [];
  for (const block of blocks) {
    const outcome = placeBlock(path, file, block);
    if ("reason" in outcome) {
      refusals.push(outcome);
    } else {
      placed.push(outcome);
    }
  }
  placed.sort((a, b) => a.start - b.start);
  for (let index = 1; index < placed.length; index++) {
    const previous = placed[index - 1] as Placed;
    const next = placed[index] as Placed;
    if (next.start < previous.end) {
      refusals.push({
        kind: "conflict",
        path,
        reason: `${previous.block.label} and ${next.block.label} change the same lines of ${path} (${previous.start + 1}-${previous.end}); merge them into one`,
        regions: [{ start: previous.start + 1, end: Math.max(previous.end, next.end) }],
      });
    }
  }
  if (refusals.length > 0) {
    return { ok: false, refusals };
  }
  const lines: string[] = [];
  const endings: string[] = [];
  let cursor = 0;
  const keep = (index: number) => {
    lines.push(file.lines[index] as string);
    endings.push(file.endings[index] as string);
  };
  for (const { block, start, end, adapt } of placed) {
    while (cursor < start) {
      keep(cursor++);
    }
    for (const line of block.lines) {
      if (line.kind === "+") {
        lines.push(adapt(line.text));
        endings.push(file.newline);
      } else {
        if (line.kind === " ") {
          keep(cursor);
        }
        cursor++;
      }
    }
    cursor = end;
  }
  while (cursor < file.lines.length) {
    keep(cursor++);
  }
  const hadFinalNewline = file.lines.length === 0 || (file.endings.at(-1) ?? "") !== "";
  const after: FileText = {
    lines,
    endings: endings.map((ending, index) =>
      index === endings.length - 1 ? (hadFinalNewline ? ending || file.newline : "") : ending || file.newline,
    ),
    newline: file.newline,
  };
  return { ok: true, after: joinFile(after), levels: placed.map((one) => one.level) };
}

/**
 * Places a block; when its blank first or last unchanged lines are what keeps it from matching
 * (models add them around SEARCH text: Aider-AI/aider@5dc9490b aider/coders/editblock_coder.py:168,
 * "issue #25"), places it without them.
 */
function placeBlock(path: string, file: FileText, block: ChangeBlock): Placed | Refusal {
  const placed = placeExactBlock(path, file, block);
  const trimmed = withoutBlankEdges(block);
  if ("reason" in placed && placed.kind === "not-found" && trimmed !== undefined) {
    const retried = placeExactBlock(path, file, trimmed);
    return "reason" in retried && retried.kind === "not-found" ? placed : retried;
  }
  return placed;
}

function withoutBlankEdges(block: ChangeBlock): ChangeBlock | undefined {
  const isBlankContext = (line: ChangeBlock["lines"][number] | undefined) =>
    line?.kind === " " && line.text.trim() === "";
  let from = 0;
  let to = block.lines.length;
  while (from < to && isBlankContext(block.lines[from])) {
    from++;
  }
  while (to > from && isBlankContext(block.lines[to - 1])) {
    to--;
  }
  return from === 0 && to === block.lines.length
    ? undefined
    : { ...block, lines: block.lines.slice(from, to) };
}

function placeExactBlock(path: string, file: FileText, block: ChangeBlock): Placed | Refusal {
  const old = block.lines.filter((line) => line.kind !== "+").map((line) => line.text);
  const added = block.lines.filter((line) => line.kind === "+");
  if (old.every((line) => line.trim() === "")) {
    if (file.lines.length === 0 && old.length === 0) {
      return { block, start: 0, end: 0, adapt: (line) => line, level: "exact" };
    }
    return {
      kind: "ambiguous",
      path,
      reason: `${block.label} adds lines without any unchanged line around them, so where they go in ${path} (${file.lines.length} lines) is a guess; include the unchanged lines just before and after the change`,
    };
  }
  const fileSet = new Set(file.lines.map((line) => line.trim()));
  const hiddenOld = old.find((line) => isPlaceholder(line) && !fileSet.has(line.trim()));
  if (hiddenOld !== undefined) {
    return {
      kind: "elision",
      path,
      reason: `${block.label} stands for lines of ${path} with the placeholder "${hiddenOld.trim()}"; quote every line it changes exactly, without placeholders`,
    };
  }
  const keep = (starts: number[]) => narrow(file.lines, old.length, starts, block);
  const location = locate(file.lines, old, keep);
  if (location.found === "many") {
    const regions = location.starts.map((start) => ({ start: start + 1, end: start + old.length }));
    return {
      kind: "ambiguous",
      path,
      regions,
      reason: `${block.label} matches ${regions.length} places in ${path} (lines ${lineList(regions)}); add unchanged lines that occur only around the one you mean`,
    };
  }
  if (location.found === "none") {
    const newSide = block.lines.filter((line) => line.kind !== "-").map((line) => line.text);
    const already = added.length > 0 ? locate(file.lines, newSide) : { found: "none" as const };
    if (already.found === "one") {
      return {
        kind: "no-op",
        path,
        regions: [{ start: already.start + 1, end: already.start + newSide.length }],
        reason: `${block.label} is already applied: ${path} has its new lines at ${already.start + 1}-${already.start + newSide.length}`,
      };
    }
    const closest = closestWindow(file.lines, old);
    const regions =
      closest === undefined
        ? []
        : [{ start: closest + 1, end: Math.min(file.lines.length, closest + old.length) }];
    return {
      kind: "not-found",
      path,
      regions,
      reason:
        `${block.label}: its ${old.length} unchanged/removed line(s) are not in ${path}` +
        (regions.length > 0 ? `; the closest lines are ${lineList(regions)}, quoted below` : "") +
        "; quote the file's current lines exactly",
    };
  }
  const start = location.start;
  const matched = file.lines.slice(start, start + old.length);
  const removed = block.lines.filter((line) => line.kind === "-");
  const placeholder = added.find(
    (line) => isPlaceholder(line.text) && !matched.some((have) => have.trim() === line.text.trim()),
  );
  if (placeholder !== undefined && removed.length > 0) {
    return {
      kind: "elision",
      path,
      regions: [{ start: start + 1, end: start + old.length }],
      reason: `${block.label} replaces ${removed.length} line(s) of ${path} (lines ${start + 1}-${start + old.length}) and writes the placeholder "${placeholder.text.trim()}" in their place; write out every line you keep, a placeholder is never applied`,
    };
  }
  return {
    block,
    start,
    end: start + old.length,
    adapt: adapterFor(location.level, matched, old),
    level: location.level,
  };
}

/** Codex's rules that narrow candidates: `@@ <anchor>` (first match after each anchor line) and end of file. */
function narrow(file: readonly string[], length: number, starts: number[], block: ChangeBlock): number[] {
  let kept = starts;
  if (block.atEnd) {
    kept = kept.filter((start) => start + length === file.length);
  }
  if (block.anchor !== undefined && kept.length > 1) {
    const anchors = linesLike(file, block.anchor);
    const firstAfter = anchors
      .map((anchor) => kept.find((start) => start > anchor))
      .filter((start): start is number => start !== undefined);
    kept = [...new Set(firstAfter)];
  }
  return kept;
}

function adapterFor(level: MatchLevel, matched: string[], old: string[]): LineAdapter {
  if (level === "exact" || level === "trailing-whitespace") {
    return (line) => line;
  }
  const indent = indentAdapter(matched.map((file, index) => ({ file, edit: old[index] as string })));
  if (level === "indentation") {
    return indent;
  }
  const punctuation = punctuationAdapter(matched);
  return (line) => punctuation(indent(line));
}
