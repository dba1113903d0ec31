import { matchesGlob } from "../glob/index.ts";
import { type ApprovalRules, approvalFor } from "../policy/approval.ts";
import { DEFAULT_SECRET_GLOBS } from "../redaction/index.ts";
import {
  BOOTSTRAP_SHIM_FILE,
  CONTEXT_MAP_FILE,
  MASTER_MEMO_FILE,
  RUNTIME_DIRS,
} from "../repo-layout/index.ts";
import { destructiveProblems } from "./destructive.ts";
import { changedLineCount } from "./hunks.ts";
import { MAX_ADDED_LINE_CHARS } from "./limits.ts";
import type { FileChange, ParsedPatch } from "./parse.ts";
import { pathPrefixes, pathShapeProblem } from "./paths.ts";
import { reachProblems } from "./reach.ts";
import { type RevertedPatch, repeatProblems } from "./repeat.ts";
import { type StageGraph, type StageScope, scopeProblems, stageScopeOf } from "./stage-scope.ts";
import { switchOffProblems } from "./switch-off.ts";

/** The seed's own files: a human's, always protected whatever the context map says. */
export const SEED_PROTECTED_PATHS = [
  MASTER_MEMO_FILE,
  CONTEXT_MAP_FILE,
  BOOTSTRAP_SHIM_FILE,
  "infrastructure/proxmox/wipe_proxmox.sh",
];

/** The tool's own runtime data: a patch that edits it could rewrite its own history. */
export const TOOL_RUNTIME_PATHS: readonly string[] = RUNTIME_DIRS;

/**
 * Files that tell git what to keep out of commits and how to treat paths: an edit to
 * `.gitignore` could let runtime data or generated secrets into a commit.
 */
export const GIT_CONTROL_PATHS = ["**/.gitignore", ".gitattributes", "**/.gitattributes", ".gitmodules"];

const SEED_DESCRIPTIONS: Record<string, string> = {
  [MASTER_MEMO_FILE]: "the human's architecture memo",
  [CONTEXT_MAP_FILE]: "the human's map of stages and rules",
  [BOOTSTRAP_SHIM_FILE]: "the seed's entry script",
  "infrastructure/proxmox/wipe_proxmox.sh": "it wipes the Proxmox host",
};

export type GuardRules = {
  /** Exact paths, folders or globs (the context map's `protected`). */
  protectedPaths: string[];
  /** Globs of files that hold secrets (the context map's `secrets`). */
  secretGlobs: string[];
  maxFiles: number;
  maxChangedLines: number;
  /** Each stage's scope (its files and its needed stages' files), from the context map's stages. */
  stageScopes?: Record<string, StageScope>;
  /** The scope of the stage this patch is for; set by `rulesForStage`, enforced when set. */
  scope?: StageScope;
  /** Patches of this stage already reverted for the same error: the same one again is refused. */
  reverted?: readonly RevertedPatch[];
  /** The approval rules (`settings.approval` and each stage's), which decide `switchOffs`. */
  approval?: { global: ApprovalRules; stages: Record<string, ApprovalRules | undefined> };
  /**
   * A patch that switches off what its stage delivers or verifies: refused (the default), or,
   * where its source's approval mode is `propose`, accepted only to be proposed to a human with
   * the reasons (`PatchVerdict.switchOffs`), never run before a human approves it.
   */
  switchOffs?: SwitchOffHandling;
};

export type SwitchOffHandling = "refuse" | "propose";

export { DEFAULT_MAX_CHANGED_LINES, DEFAULT_MAX_FILES } from "./limits.ts";

/** The rules from the context map's lists and the resolved patch limits. */
export function guardRulesFrom(
  contextMap: {
    protected: string[];
    secrets: string[];
    stages?: StageGraph & Readonly<Record<string, { readonly approval?: ApprovalRules | undefined }>>;
  },
  limits: { patchMaxFiles: number; patchMaxLines: number; approval?: ApprovalRules },
): GuardRules {
  const stages = contextMap.stages ?? {};
  return {
    protectedPaths: contextMap.protected,
    secretGlobs: contextMap.secrets,
    maxFiles: limits.patchMaxFiles,
    maxChangedLines: limits.patchMaxLines,
    stageScopes: Object.fromEntries(Object.keys(stages).map((name) => [name, stageScopeOf(stages, name)])),
    ...(limits.approval === undefined
      ? {}
      : {
          approval: {
            global: limits.approval,
            stages: Object.fromEntries(Object.entries(stages).map(([name, spec]) => [name, spec.approval])),
          },
        }),
  };
}

/**
 * The rules for a patch that fixes `stage`: it may change only that stage's files and those of
 * the stages it needs. A stage the context map does not know gets no scope (nothing to hold it to).
 */
export function rulesForStage(rules: GuardRules, stage: string, source?: string): GuardRules {
  const scope = rules.stageScopes?.[stage];
  const scoped = scope === undefined ? rules : { ...rules, scope };
  return source === undefined ? scoped : { ...scoped, switchOffs: switchOffHandling(rules, stage, source) };
}

/** Proposed where the patch's source is proposed for approval anyway; refused everywhere else. */
export function switchOffHandling(rules: GuardRules, stage: string, source: string): SwitchOffHandling {
  if (rules.approval === undefined) {
    return "refuse";
  }
  const mode = approvalFor(source, rules.approval.global, rules.approval.stages[stage]);
  return mode === "propose" ? "propose" : "refuse";
}

/** What the adapter found in the worktree at the branch tip; the check itself reads nothing. */
export type GuardFacts = {
  /** Names at the top of the tree (files and folders). */
  topLevelEntries: string[];
  /**
   * Paths the patch names, and their parent folders, that exist as regular files or folders; and
   * the folders its Flux Kustomizations apply today (`fluxPathsNeedingFacts`) that exist.
   */
  existingPaths: string[];
  /** Symlinks among the patch's paths and their parent folders. */
  symlinks: { path: string; target: string; insideWorktree: boolean }[];
  /** Current text of the files `pathsNeedingContent` asked for. */
  oldContents: Record<string, string>;
};

export type PatchVerdict =
  | {
      verdict: "accepted";
      files: string[];
      changedLines: number;
      /** Under `switchOffs: "propose"`: what the patch switches off; it must go to a human. */
      switchOffs?: string[];
    }
  | { verdict: "refused"; reasons: string[] };

type ProtectionRule = { matches: (path: string) => boolean; why: string };

function protectionRules(rules: GuardRules): ProtectionRule[] {
  // A name with look-alike padding ("ai/context_map.yaml " or a trailing dot) is judged as the
  // name it imitates: a protection must not be side-stepped by a path a human reads as the same.
  const pathRule = (pattern: string, why: string): ProtectionRule => ({
    matches: (path) => matchesGlob(path, pattern) || matchesGlob(lookAlike(path), pattern),
    why,
  });
  return [
    ...SEED_PROTECTED_PATHS.map((path) => pathRule(path, SEED_DESCRIPTIONS[path] ?? "a seed file")),
    ...TOOL_RUNTIME_PATHS.map((glob) => pathRule(glob, "the orchestrator's own runtime data")),
    ...rules.protectedPaths.map((pattern) =>
      pathRule(pattern, `listed as protected (${pattern}) in ai/context_map.yaml`),
    ),
    ...rules.secretGlobs.map((pattern) =>
      pathRule(pattern, `it matches the secrets glob ${pattern} in ai/context_map.yaml`),
    ),
    ...GIT_CONTROL_PATHS.map((glob) =>
      pathRule(glob, "it controls what git commits (an AI change could expose secrets)"),
    ),
    ...DEFAULT_SECRET_GLOBS.map((glob) => pathRule(glob, `it holds secrets (built-in secrets glob ${glob})`)),
  ];
}

/** Each segment without trailing spaces and dots (Windows drops them; a person does not see them). */
function lookAlike(path: string): string {
  return path
    .split("/")
    .map((segment) => segment.replace(/[\s.]+$/u, ""))
    .join("/");
}

/** Why `path` is protected, or undefined. Case-insensitive, as on macOS and Windows checkouts. */
export function protectionOf(path: string, rules: GuardRules): string | undefined {
  return protectionRules(rules).find((rule) => rule.matches(path))?.why;
}

/** Every path a change touches, deduplicated, old before new. */
export function pathsOf(change: FileChange): string[] {
  return [...new Set([change.oldPath, change.newPath].filter((path): path is string => path !== null))];
}

/** Every path the adapter should look at (each path and its parent folders). */
export function pathsNeedingFacts(patch: ParsedPatch): string[] {
  return [...new Set(patch.files.flatMap(pathsOf).flatMap(pathPrefixes))];
}

/**
 * The guard: pure, exhaustive, every reason a sentence a human can act on. Runs every rule
 * so that one refusal lists everything wrong, not just the first thing.
 */
export function checkPatch(patch: ParsedPatch, facts: GuardFacts, rules: GuardRules): PatchVerdict {
  const reasons: string[] = [];
  const protection = protectionRules(rules);
  const existing = new Set(facts.existingPaths);
  const topLevel = new Set(facts.topLevelEntries);
  for (const change of patch.files) {
    const paths = pathsOf(change);
    const shapeProblems = paths.map(pathShapeProblem).filter((problem) => problem !== undefined);
    if (shapeProblems.length > 0) {
      reasons.push(...shapeProblems);
      continue; // the other rules assume a sane path
    }
    for (const path of paths) {
      const rule = protection.find((candidate) => candidate.matches(path));
      if (rule) {
        reasons.push(`${path} is protected (${rule.why}); the patch would ${verbFor(change, path)} it`);
      }
      for (const link of facts.symlinks.filter((candidate) => pathPrefixes(path).includes(candidate.path))) {
        const where = link.insideWorktree ? "" : ", outside the worktree";
        reasons.push(
          `${path} goes through the symlink ${link.path} (→ ${link.target}${where}); patches never write through symlinks`,
        );
      }
    }
    if (change.newPath?.includes("/")) {
      const top = change.newPath.split("/")[0] as string;
      if (!topLevel.has(top)) {
        reasons.push(
          `${change.newPath} would create the new top-level folder ${top}/; only a human adds top-level folders`,
        );
      }
    }
    if (change.binary) {
      reasons.push(`${change.newPath ?? change.oldPath} has binary content; only text patches are accepted`);
    }
    for (const mode of [change.newMode]) {
      if (mode === "120000") {
        reasons.push(`${change.newPath} would become a symlink; patches may not create symlinks`);
      } else if (mode === "160000") {
        reasons.push(`${change.newPath} would become a submodule; patches may not add submodules`);
      } else if (mode !== null && mode !== "100644" && mode !== "100755") {
        reasons.push(`${change.newPath} gets the unusual mode ${mode}`);
      }
    }
    if (change.kind !== "create" && change.oldPath !== null && !existing.has(change.oldPath)) {
      reasons.push(
        `${change.oldPath} does not exist on the AI branch, so the patch cannot ${verbFor(change, change.oldPath)} it`,
      );
    }
    if (
      (change.kind === "create" || change.kind === "rename" || change.kind === "copy") &&
      change.newPath !== null
    ) {
      if (existing.has(change.newPath)) {
        reasons.push(`${change.newPath} already exists on the AI branch; the patch would overwrite it`);
      }
    }
  }
  const files = [...new Set(patch.files.flatMap(pathsOf))];
  const changedLines = patch.files.reduce((sum, change) => sum + changedLineCount(change), 0);
  if (patch.files.length > rules.maxFiles) {
    reasons.push(
      `the patch changes ${patch.files.length} files; at most ${rules.maxFiles} are allowed (patch_max_files), so split it or ask a human`,
    );
  }
  if (changedLines > rules.maxChangedLines) {
    reasons.push(
      `the patch changes ${changedLines} lines; at most ${rules.maxChangedLines} are allowed (patch_max_lines), so make it smaller or ask a human`,
    );
  }
  reasons.push(...longLineProblems(patch));
  if (rules.scope) {
    reasons.push(...scopeProblems(rules.scope, files));
  }
  reasons.push(...destructiveProblems(patch, facts.oldContents, facts.existingPaths));
  reasons.push(...reachProblems(patch, facts.oldContents, rules.secretGlobs));
  reasons.push(...repeatProblems(patch, rules.reverted ?? []));
  const switchOffs = [...new Set(switchOffProblems(patch, facts.oldContents))];
  if (reasons.length > 0 || (switchOffs.length > 0 && rules.switchOffs !== "propose")) {
    return { verdict: "refused", reasons: [...new Set([...reasons, ...switchOffs])] };
  }
  return { verdict: "accepted", files, changedLines, ...(switchOffs.length > 0 ? { switchOffs } : {}) };
}

/** A line longer than MAX_ADDED_LINE_CHARS among the lines a file gains: the first per file. */
function longLineProblems(patch: ParsedPatch): string[] {
  const problems: string[] = [];
  for (const change of patch.files) {
    for (const hunk of change.hunks) {
      let newLine = hunk.newStart;
      const long = hunk.lines.find((line) => {
        if (line.kind === "-") {
          return false;
        }
        newLine += 1;
        return line.kind === "+" && line.text.length > MAX_ADDED_LINE_CHARS;
      });
      if (long) {
        problems.push(
          `${change.newPath ?? change.oldPath} gets a line of ${long.text.length} characters (line ${newLine - 1}); at most ${MAX_ADDED_LINE_CHARS} are allowed in one line, so a human can read every change`,
        );
        break;
      }
    }
  }
  return problems;
}

function verbFor(change: FileChange, path: string): string {
  switch (change.kind) {
    case "create":
      return "create";
    case "delete":
      return "delete";
    case "rename":
      return path === change.oldPath ? "rename away" : "rename a file onto";
    case "copy":
      return path === change.oldPath ? "copy" : "copy a file onto";
    default:
      return change.oldMode !== null && change.hunks.length === 0 ? "change the mode of" : "edit";
  }
}
