import { git } from "../git/index.ts";

export type PatchMeta = {
  stage: string;
  summary: string;
  fingerprint: string;
  source: string;
  caseId?: string;
};

export type AiCommit = {
  commit: string;
  shortCommit: string;
  /** Author date, ISO 8601. */
  date: string;
  stage: string;
  summary: string;
  fingerprint: string;
  source: string;
  caseId?: string;
  reverted: boolean;
  revertedBy?: string;
  revertReason?: string;
};

/** One line, no control characters: trailers and subjects must not be able to forge other trailers. */
export function oneLine(text: string, max = 200): string {
  const visible = [...text].map((char) =>
    (char.codePointAt(0) ?? 0) < 0x20 || char === "\x7f" ? " " : char,
  );
  const line = visible.join("").replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}

export function patchCommitMessage(meta: PatchMeta): string {
  const stage = oneLine(meta.stage, 60);
  const lines = [
    `ai(${stage}): ${oneLine(meta.summary, 100) || "apply a fix"}`,
    "",
    `Stage: ${stage}`,
    `Error-Fingerprint: ${oneLine(meta.fingerprint) || "none"}`,
    `Source: ${oneLine(meta.source, 60) || "unknown"}`,
  ];
  if (meta.caseId !== undefined && oneLine(meta.caseId) !== "") {
    lines.push(`Case: ${oneLine(meta.caseId)}`);
  }
  return `${lines.join("\n")}\n`;
}

export function revertCommitMessage(original: AiCommit, reason: string): string {
  return [
    `Revert "ai(${original.stage}): ${original.summary}"`,
    "",
    `This reverts commit ${original.commit}.`,
    "",
    `Stage: ${original.stage}`,
    `Reverts: ${original.commit}`,
    `Revert-Reason: ${oneLine(reason) || "none given"}`,
    "",
  ].join("\n");
}

const FIELD = "\x1f";
const RECORD = "\x1e";

/** The tool's commits reachable from `ref`, newest first, each with whether it was reverted. */
export async function readAiCommits(cwd: string, ref: string): Promise<AiCommit[]> {
  const { stdout } = await git(
    [
      "log",
      `--format=%H${FIELD}%h${FIELD}%aI${FIELD}%s${FIELD}%(trailers:only,unfold)${RECORD}`,
      "--grep=^Error-Fingerprint: ",
      "--grep=^Reverts: ",
      ref,
      "--",
    ],
    { cwd },
  );
  const patches: AiCommit[] = [];
  const reverts = new Map<string, { by: string; reason: string }>();
  for (const record of stdout.split(RECORD)) {
    const [commit, shortCommit, date, subject, trailerText] = record.replace(/^\n/, "").split(FIELD);
    if (!commit || shortCommit === undefined || date === undefined || subject === undefined) {
      continue;
    }
    const trailers = parseTrailers(trailerText ?? "");
    const reverted = trailers.get("reverts");
    if (reverted !== undefined) {
      // Newest first: the first revert seen for a commit is the latest one.
      if (!reverts.has(reverted)) {
        reverts.set(reverted, { by: commit, reason: trailers.get("revert-reason") ?? "" });
      }
      continue;
    }
    const fingerprint = trailers.get("error-fingerprint");
    const stage = trailers.get("stage");
    if (fingerprint === undefined || stage === undefined) {
      continue;
    }
    const caseId = trailers.get("case");
    patches.push({
      commit,
      shortCommit,
      date,
      stage,
      summary: subject.replace(/^ai\([^)]*\): /, ""),
      fingerprint,
      source: trailers.get("source") ?? "unknown",
      ...(caseId === undefined ? {} : { caseId }),
      reverted: false,
    });
  }
  return patches.map((patch) => {
    const revert = reverts.get(patch.commit);
    return revert ? { ...patch, reverted: true, revertedBy: revert.by, revertReason: revert.reason } : patch;
  });
}

function parseTrailers(text: string): Map<string, string> {
  const trailers = new Map<string, string>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
  }
  return trailers;
}
