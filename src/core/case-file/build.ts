import { charsFor, DEFAULT_TOKEN_BUDGET, estimateTokens, keepHeadAndTail, keepTail } from "./budget.ts";
import { selectFacts } from "./fit-facts.ts";
import { errorPointers } from "./pointers.ts";
import { LOG_MARK, LOG_PLAIN, renderCaseFile, type Selection } from "./render.ts";
import type { CaseFile, CaseFileContent, CaseFileInput } from "./types.ts";

/** Below this many tokens a trimmed file says too little to be worth its header. */
const MIN_USEFUL_TOKENS = 200;
/** Shares of the space left after the fixed sections. */
const LOG_SHARE = 0.25;
const DIAGNOSTICS_SHARE = 0.4;
/** Live facts come after the log and the diagnostics: they are cut first when space is short. */
const FACTS_SHARE = 0.2;
const ONE_FILE_SHARE = 0.35;

/**
 * Builds the case file: Markdown a person can read and exactly what is sent. The budget is met by
 * ranking and trimming, in this order of claim on the space: the log tail (trimmed from the top),
 * diagnostics output (head and tail), the live facts (whole sections, the last cut short),
 * files the executor opened, files the log mentions, the memo
 * sections, the diff stat since green, the other files, then the diff hunks. What is cut or left
 * out is listed in the case file itself.
 */
export function buildCaseFile(input: CaseFileInput): CaseFile {
  const budget = input.tokenBudget ?? DEFAULT_TOKEN_BUDGET;
  let slack = 0;
  let result: CaseFile = { markdown: "", tokens: 0, omitted: [] };
  // The "Left out" list grows as things are cut, so fit, measure, and fit again tighter if needed.
  for (let round = 0; round < 4; round += 1) {
    const selection = select(input, budget - slack);
    const markdown = renderCaseFile(input, selection);
    result = { markdown, tokens: estimateTokens(markdown), omitted: selection.omitted };
    if (result.tokens <= budget) {
      return result;
    }
    slack += result.tokens - budget + 50;
  }
  return result;
}

function select(input: CaseFileInput, budget: number): Selection {
  const omitted: string[] = [];
  const empty: Selection = {
    logTail: "",
    logNote: undefined,
    diagnostics: input.diagnostics.map((diagnostic) => ({ ...diagnostic, output: "" })),
    facts: undefined,
    pointers: errorPointers(input.fingerprint.lines, input.files),
    files: [],
    memo: [],
    changes: undefined,
    omitted: [],
  };
  const fixedTokens = estimateTokens(renderCaseFile(input, empty));
  let left = Math.max(0, budget - fixedTokens);
  const space = left;

  // The log tail, marked, trimmed from the top.
  const marked = markLog(input.logTail, input.fingerprint.lines);
  const log = keepTail(marked.text, charsFor(Math.min(estimateTokens(marked.text), space * LOG_SHARE)));
  const logNote =
    log.cut.length > 0
      ? `The first ${log.cut[0]?.to ?? 0} of ${marked.lineCount} lines are left out.`
      : undefined;
  if (log.cut.length > 0) {
    omitted.push(`the first ${log.cut[0]?.to ?? 0} of ${marked.lineCount} lines of the log tail`);
  }
  left -= estimateTokens(log.text);

  // Diagnostics output: an equal share each, head and tail kept.
  const withOutput = input.diagnostics.filter((diagnostic) => (diagnostic.output ?? "") !== "");
  const perDiagnostic = withOutput.length > 0 ? (space * DIAGNOSTICS_SHARE) / withOutput.length : 0;
  const diagnostics = input.diagnostics.map((diagnostic) => {
    const output = diagnostic.output ?? "";
    if (output === "") {
      return diagnostic;
    }
    const trimmed = keepHeadAndTail(output, charsFor(Math.min(perDiagnostic, Math.max(0, left))));
    if (trimmed.cut.length > 0) {
      omitted.push(`part of the output of \`${diagnostic.command}\` (head and tail kept)`);
    }
    left -= estimateTokens(trimmed.text);
    return { ...diagnostic, output: trimmed.text };
  });

  const facts = input.liveFacts
    ? selectFacts(input.liveFacts, Math.min(Math.max(0, left), space * FACTS_SHARE))
    : undefined;
  if (facts) {
    omitted.push(...facts.omitted);
    left -= facts.tokens;
  }

  // Files and the other context, by rank.
  const ranked = rankFiles(input.files, input.executorNotes?.filesOpened ?? [], input.logTail);
  const files: Selection["files"] = [];
  const memo: Selection["memo"] = [];
  let changes: Selection["changes"];
  const fitFile = (file: CaseFileContent & { rankReason: string | undefined }) => {
    const reason = file.rankReason ? `${file.rankReason}; ${file.reason}` : file.reason;
    const cost = estimateTokens(file.content) + estimateTokens(file.path) + 20;
    const cap = Math.min(left, space * ONE_FILE_SHARE);
    if (cost <= cap) {
      files.push({ path: file.path, reason, content: file.content, note: undefined });
      left -= cost;
      return;
    }
    if (cap < MIN_USEFUL_TOKENS) {
      omitted.push(`file \`${file.path}\` (about ${cost} tokens): no room left in the token budget`);
      return;
    }
    const trimmed = keepHeadAndTail(file.content, charsFor(cap - estimateTokens(file.path) - 40));
    const range = trimmed.cut[0];
    const note = range ? `Lines ${range.from}-${range.to} are cut to fit the token budget.` : undefined;
    files.push({ path: file.path, reason, content: trimmed.text, note });
    if (range) {
      omitted.push(`lines ${range.from}-${range.to} of \`${file.path}\` (head and tail kept)`);
    }
    left -= estimateTokens(trimmed.text) + estimateTokens(file.path) + 40;
  };

  for (const file of ranked.filter((candidate) => candidate.rank < 2)) {
    fitFile(file);
  }
  for (const section of input.memoSections) {
    const cost = estimateTokens(section.text) + estimateTokens(section.heading) + 5;
    if (cost <= left) {
      memo.push(section);
      left -= cost;
    } else {
      omitted.push(`memo section "${section.heading}" (about ${cost} tokens)`);
    }
  }
  if (input.changesSinceGreen) {
    const { since, stat } = input.changesSinceGreen;
    const statCost = estimateTokens(stat) + 30;
    if (statCost <= left) {
      changes = { since, stat, hunks: undefined };
      left -= statCost;
    } else {
      omitted.push(`the list of changes since ${since} (about ${statCost} tokens)`);
    }
  }
  for (const file of ranked.filter((candidate) => candidate.rank === 2)) {
    fitFile(file);
  }
  if (changes && input.changesSinceGreen && input.changesSinceGreen.hunks.trim() !== "") {
    const hunks = input.changesSinceGreen.hunks;
    const cost = estimateTokens(hunks) + 10;
    if (cost <= left) {
      changes = { ...changes, hunks };
      left -= cost;
    } else {
      omitted.push(
        `the diff hunks since ${changes.since} (about ${cost} tokens; the stat above lists the files)`,
      );
    }
  }
  for (const skipped of input.skippedFiles ?? []) {
    omitted.push(`file \`${skipped.path}\`: ${skipped.reason}`);
  }
  return {
    logTail: log.text,
    logNote,
    diagnostics,
    facts: facts?.selected,
    pointers: empty.pointers,
    files,
    memo,
    changes,
    omitted,
  };
}

/** Prefixes the fingerprint's lines with `>> ` so a reader sees at once which lines matter. */
function markLog(logTail: string, fingerprintLines: string[]): { text: string; lineCount: number } {
  const needles = fingerprintLines.map((line) => line.trim()).filter((line) => line.length > 0);
  const lines = logTail.replace(/\n$/, "").split("\n");
  const text = lines
    .map((line) => {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes are stripped for matching
      const plain = line.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
      const hit = needles.some(
        (needle) => plain.includes(needle) || (plain.trim() !== "" && needle.includes(plain.trim())),
      );
      return `${hit ? LOG_MARK : LOG_PLAIN}${line}`;
    })
    .join("\n");
  return { text, lineCount: lines.length };
}

type RankedFile = CaseFileContent & { rank: 0 | 1 | 2; rankReason: string | undefined };

/** Executor-opened files first, then files the log mentions, then the rest, each group in input order. */
export function rankFiles(files: CaseFileContent[], executorOpened: string[], logTail: string): RankedFile[] {
  const opened = new Set(executorOpened.map((path) => path.replace(/^\.\//, "")));
  const ranked = files.map((file): RankedFile => {
    if (opened.has(file.path)) {
      return { ...file, rank: 0, rankReason: "the executor opened it" };
    }
    if (mentions(logTail, file.path)) {
      return { ...file, rank: 1, rankReason: "the log mentions it" };
    }
    return { ...file, rank: 2, rankReason: undefined };
  });
  return ranked
    .map((file, index) => ({ file, index }))
    .sort((a, b) => a.file.rank - b.file.rank || a.index - b.index)
    .map(({ file }) => file);
}

function mentions(logTail: string, path: string): boolean {
  if (logTail.includes(path)) {
    return true;
  }
  const base = path.split("/").pop() ?? "";
  // A bare name like `talconfig.yaml` counts; a name like `README` is too common to mean anything.
  if (!base.includes(".") || base.length < 6) {
    return false;
  }
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^A-Za-z0-9_.-])${escaped}($|[^A-Za-z0-9_-])`, "m").test(logTail);
}
