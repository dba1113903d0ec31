/**
 * Resolves a model's, executor's or remembered fix's edit against the AI branch tip into the
 * canonical git diff the patch guard checks and the side branch commits. The reading happens
 * here; the decision is the pure applier's (src/core/edits).
 */
import {
  applyEdit,
  type EditFormat,
  type EditResult,
  pathsToRead,
  type Refusal,
} from "../../core/edits/index.ts";
import type { GuardRules } from "../../core/patch-guard/index.ts";
import { GitError } from "../../errors/index.ts";
import { git, gitReason } from "../git/index.ts";
import type { ApplyResult, PatchMeta } from "../side-branch/index.ts";

export type { EditFormat, EditResult, Refusal } from "../../core/edits/index.ts";

/** A file's text at the branch tip, or undefined when it does not exist there (`SideBranch.readFileAtTip`). */
export type ReadFileAtTip = (path: string) => Promise<string | undefined>;

export async function resolveEdit(editText: string, readFileAtTip: ReadFileAtTip): Promise<EditResult> {
  const paths = pathsToRead(editText);
  const contents = new Map(
    await Promise.all(paths.map(async (path) => [path, await readFileAtTip(path)] as const)),
  );
  return applyEdit(editText, (path) => contents.get(path));
}

/**
 * `git cat-file blob <ref>:<path>`; undefined when the path is absent at `ref` or is a folder.
 * Any other failure (a ref that does not exist) is an error, not an absent file.
 */
export function fileAtRef(repoRoot: string, ref: string): ReadFileAtTip {
  return async (path) => {
    const result = await git(["cat-file", "blob", `${ref}:${path}`], { cwd: repoRoot, allowFailure: true });
    if (result.exitCode === 0) {
      return result.stdout;
    }
    if (/does not exist in|bad file/.test(result.stderr)) {
      return undefined;
    }
    const args = ["cat-file", "blob", `${ref}:${path}`];
    throw new GitError(
      args,
      result.exitCode,
      result.stderr,
      `cannot read ${path} at ${ref}: ${gitReason(result.stderr)}`,
    );
  };
}

export type EditCheck =
  | {
      status: "accepted";
      format: EditFormat;
      /** The canonical diff the side branch would commit. */
      diff: string;
      files: string[];
      changedLines: number;
      notes: string[];
    }
  | {
      status: "refused";
      /** "edit": the edit could not be applied; "guard": its canonical diff broke a safety rule. */
      by: "edit" | "guard";
      reasons: string[];
      refusals: Refusal[];
      diff?: string;
    };

/**
 * What an edit in any format would change on `ref`, or why it is refused: the applier, then
 * the patch guard and `git apply --check` on the canonical diff. Changes nothing.
 */
export async function checkEdit(opts: {
  repoRoot: string;
  ref: string;
  editText: string;
  rules: GuardRules;
  worktree?: string;
}): Promise<EditCheck> {
  const resolved = await resolveEdit(opts.editText, fileAtRef(opts.repoRoot, opts.ref));
  if (!resolved.ok) {
    return { status: "refused", by: "edit", reasons: resolved.reasons, refusals: resolved.refusals };
  }
  const { checkDiff } = await import("../side-branch/index.ts");
  const verdict = await checkDiff(opts.repoRoot, opts.ref, resolved.diff, opts.rules, opts.worktree);
  if (verdict.verdict === "refused") {
    return { status: "refused", by: "guard", reasons: verdict.reasons, refusals: [], diff: resolved.diff };
  }
  return {
    status: "accepted",
    format: resolved.format,
    diff: resolved.diff,
    files: verdict.files,
    changedLines: verdict.changedLines,
    notes: resolved.notes,
  };
}

export type CommittedEdit =
  | {
      status: "applied";
      commit: string;
      files: string[];
      changedLines: number;
      format: EditFormat;
      /** The canonical diff that was committed: what `ai/patches/` and fix memory should keep. */
      diff: string;
      /** What it switches off, when let through only to be proposed to a human. */
      switchOffs?: string[];
    }
  | { status: "refused"; reasons: string[]; refusals: Refusal[]; diff?: string };

/**
 * The one patch-commit path for an edit in any format: resolve it against the branch tip, then
 * hand the canonical diff to the side branch, which runs the guard and commits it. On any
 * refusal nothing changes.
 */
export async function commitEdit(
  side: {
    readFileAtTip(path: string): Promise<string | undefined>;
    apply(diffText: string, meta: PatchMeta, rules: GuardRules): Promise<ApplyResult>;
  },
  editText: string,
  meta: PatchMeta,
  rules: GuardRules,
): Promise<CommittedEdit> {
  const resolved = await resolveEdit(editText, (path) => side.readFileAtTip(path));
  if (!resolved.ok) {
    return { status: "refused", reasons: resolved.reasons, refusals: resolved.refusals };
  }
  const applied = await side.apply(resolved.diff, meta, rules);
  if (applied.status === "refused") {
    return { status: "refused", reasons: applied.reasons, refusals: [], diff: resolved.diff };
  }
  return { ...applied, format: resolved.format, diff: resolved.diff };
}
