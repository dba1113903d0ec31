/**
 * Fix memory (`ai/state/fixes.json`): patches that turned a stage green, replayed before any
 * executor or API call when their fingerprint returns.
 *
 * - `new FixMemory(repoRoot)`: `remember`, `untriedFix`, `replay`, `demote`, `forget`, `list`.
 * - `rememberHumanFix(...)` (human-fix.ts): the commits a human made after a give_up, recorded
 *   against the fingerprint; the lead calls it from `--reset`.
 * File format: `{ version: 1, fixes: RememberedFix[] }`, written atomically, read tolerantly.
 */
import { createHash } from "node:crypto";
import { mkdir, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { FixOutcome } from "../../core/fixers/index.ts";
import { UserError } from "../../errors/index.ts";
import { type LandPatchDeps, landPatch } from "../side-branch/index.ts";
import { readIfExists, writeFileAtomic } from "../state-store/index.ts";
import { blobIds, commitOrigin, commitPatch, comparablePatch } from "./git-facts.ts";
import { rebasePatch } from "./rebase.ts";
import { FIXES_FILE, FixesFile, RememberedFix } from "./schema.ts";

export { rememberHumanFix } from "./human-fix.ts";
export { FIXES_FILE, RememberedFingerprint, RememberedFix } from "./schema.ts";

/** Replays that did not help before a fix is retired for good. */
export const DEFAULT_MAX_FAILURES = 3;

export interface FingerprintPair {
  template: string;
  exact: string;
}

export class FixMemory {
  readonly repoRoot: string;
  readonly file: string;
  readonly maxFailures: number;
  readonly warnings: string[] = [];

  /** Told when an unreadable fixes.json was set aside, so the run can say so and journal it. */
  private readonly onSetAside: ((warning: string, keptAs: string) => Promise<void>) | undefined;

  constructor(
    repoRoot: string,
    options: { maxFailures?: number; onSetAside?: (warning: string, keptAs: string) => Promise<void> } = {},
  ) {
    this.repoRoot = repoRoot;
    this.file = join(repoRoot, FIXES_FILE);
    this.maxFailures = options.maxFailures ?? DEFAULT_MAX_FAILURES;
    this.onSetAside = options.onSetAside;
  }

  async list(): Promise<RememberedFix[]> {
    return (await this.read()).fixes;
  }

  /**
   * Remembers the patch of `commit` as a fix for the fingerprint. The same patch found again (a
   * replay that worked, or the same fix for another fingerprint) adds to the entry instead.
   */
  async remember(
    stage: string,
    fingerprint: FingerprintPair,
    commit: string,
    details: { source?: string; summary?: string } = {},
  ): Promise<RememberedFix> {
    const { patch, files } = await commitPatch(this.repoRoot, commit);
    const origin = await commitOrigin(this.repoRoot, commit);
    if (patch.trim() === "") {
      throw new Error(`commit ${commit} changes nothing; there is no fix to remember`);
    }
    return this.rememberPatch(stage, fingerprint, {
      patch,
      files,
      fileHashes: await blobIds(this.repoRoot, commit, files),
      commit,
      source: details.source ?? (origin.source || "human"),
      summary: details.summary ?? origin.subject,
    });
  }

  /** Stores a patch directly (a human's changes, which are several commits). */
  async rememberPatch(
    stage: string,
    fingerprint: FingerprintPair,
    fix: Pick<RememberedFix, "patch" | "files" | "fileHashes" | "commit" | "source" | "summary">,
  ): Promise<RememberedFix> {
    const data = await this.read();
    const now = new Date().toISOString();
    const id = fixId(stage, fix.patch);
    const existing = data.fixes.find((entry) => entry.id === id);
    if (existing) {
      existing.successes += 1;
      existing.lastUsedAt = now;
      existing.retired = false;
      if (!existing.fingerprints.some((known) => sameFingerprint(known, fingerprint))) {
        existing.fingerprints.push({ template: fingerprint.template, exact: fingerprint.exact });
      }
      await this.write(data);
      return existing;
    }
    const entry = RememberedFix.parse({
      id,
      stage,
      fingerprints: [{ template: fingerprint.template, exact: fingerprint.exact }],
      ...fix,
      createdAt: now,
    });
    data.fixes.push(entry);
    await this.write(data);
    return entry;
  }

  /**
   * A fix for this stage whose fingerprint matches (exact first, then template), not retired and
   * not in `tried` (the episode's list); the most successful first.
   */
  async untriedFix(
    stage: string,
    fingerprint: FingerprintPair,
    tried: readonly string[],
  ): Promise<string | undefined> {
    const candidates = (await this.list()).filter(
      (entry) => entry.stage === stage && !entry.retired && !tried.includes(entry.id),
    );
    const rank = (entry: RememberedFix) =>
      entry.fingerprints.some((known) => known.exact === fingerprint.exact)
        ? 2
        : entry.fingerprints.some((known) => known.template === fingerprint.template)
          ? 1
          : 0;
    return candidates
      .filter((entry) => rank(entry) > 0)
      .sort((a, b) => rank(b) - rank(a) || b.successes - b.failures - (a.successes - a.failures))[0]?.id;
  }

  /**
   * Re-applies a remembered patch through the guard with `Source: memory`. A patch that no longer
   * applies cleanly is `no_change` ("stale"), and so is one whose files already hold the fix.
   */
  async replay(id: string, land: LandPatchDeps, fingerprint?: FingerprintPair): Promise<FixOutcome> {
    const { sideBranch } = land;
    const entry = (await this.list()).find((candidate) => candidate.id === id);
    if (!entry) {
      return { kind: "failed", reason: `no remembered fix ${id}` };
    }
    const tip = await sideBranch.headCommit();
    const atTip = await blobIds(sideBranch.repoRoot, tip, entry.files);
    if (entry.files.length > 0 && entry.files.every((path) => atTip[path] === entry.fileHashes[path])) {
      return { kind: "no_change", summary: `remembered fix ${id} is already in place: its files match` };
    }
    const meta = {
      stage: entry.stage,
      summary: `replay remembered fix ${id}${entry.summary ? `: ${entry.summary}` : ""}`,
      fingerprint: fingerprint?.template ?? entry.fingerprints[0]?.template ?? "unknown",
      source: "memory",
    };
    let patch = entry.patch;
    if ((await sideBranch.check(patch, land.rules)).verdict === "refused") {
      // Nearby lines may have changed since; the same change, merged onto today's files, may still apply.
      const rebased = await rebasePatch(patch, {
        repoRoot: this.repoRoot,
        readAtTip: (path) => sideBranch.readFileAtTip(path),
      });
      patch = rebased ?? patch;
    }
    const applied = await landPatch(land, patch, meta);
    if (applied.status === "refused") {
      return { kind: "no_change", summary: `stale: no longer applies (${applied.reasons.join("; ")})` };
    }
    await this.update(id, (found) => {
      found.lastUsedAt = new Date().toISOString();
    });
    return {
      kind: "patched",
      commit: applied.commit,
      source: "memory",
      summary: meta.summary,
      files: applied.files,
      ...(applied.switchOffs === undefined ? {} : { switchOffs: applied.switchOffs }),
    };
  }

  /** Counts a replay that made the stage green again. */
  async confirm(id: string): Promise<RememberedFix | undefined> {
    return this.update(id, (found) => {
      found.successes += 1;
      found.lastUsedAt = new Date().toISOString();
    });
  }

  /** Counts a replay that did not help; after `maxFailures` the fix is retired. */
  async demote(id: string): Promise<RememberedFix | undefined> {
    return this.update(id, (found) => {
      found.failures += 1;
      if (found.failures >= this.maxFailures) {
        found.retired = true;
      }
    });
  }

  /** Removes a fix by id (or a unique prefix of it). */
  async forget(idOrPrefix: string): Promise<RememberedFix> {
    const data = await this.read();
    const matches = data.fixes.filter((entry) => entry.id.startsWith(idOrPrefix));
    const [found] = matches;
    if (found === undefined || idOrPrefix === "") {
      throw new UserError(`no remembered fix "${idOrPrefix}"; "orchestrator fixes" lists them`);
    }
    if (matches.length > 1) {
      throw new UserError(
        `"${idOrPrefix}" names ${matches.length} fixes (${matches.map((m) => m.id).join(", ")}); give more of the id`,
      );
    }
    data.fixes = data.fixes.filter((entry) => entry !== found);
    await this.write(data);
    return found;
  }

  private async update(id: string, edit: (entry: RememberedFix) => void): Promise<RememberedFix | undefined> {
    const data = await this.read();
    const found = data.fixes.find((entry) => entry.id === id);
    if (found) {
      edit(found);
      await this.write(data);
    }
    return found;
  }

  private async read(): Promise<{ raw: Record<string, unknown>; fixes: RememberedFix[] }> {
    const text = await readIfExists(this.file);
    if (text === undefined) {
      return { raw: { version: 1 }, fixes: [] };
    }
    let parsed: ReturnType<typeof FixesFile.safeParse>;
    try {
      parsed = FixesFile.safeParse(JSON.parse(text));
    } catch {
      parsed = FixesFile.safeParse(undefined);
    }
    if (!parsed.success) {
      // Never overwrite what cannot be read: a human may still want the fixes in it.
      const kept = `${this.file}.unreadable-${Date.now()}`;
      await rename(this.file, kept);
      const warning = `${FIXES_FILE} could not be read; kept it as ${kept} and remember fixes afresh`;
      this.warnings.push(warning);
      await this.onSetAside?.(warning, kept);
      return { raw: { version: 1 }, fixes: [] };
    }
    const fixes: RememberedFix[] = [];
    for (const item of parsed.data.fixes) {
      const entry = RememberedFix.safeParse(item);
      if (entry.success) {
        fixes.push(entry.data);
      } else {
        this.warnings.push(`${FIXES_FILE}: dropped an unreadable entry`);
      }
    }
    return { raw: parsed.data, fixes };
  }

  private async write(data: { raw: Record<string, unknown>; fixes: RememberedFix[] }): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await writeFileAtomic(
      this.file,
      `${JSON.stringify({ ...data.raw, version: 1, fixes: data.fixes }, null, 2)}\n`,
    );
  }
}

function fixId(stage: string, patch: string): string {
  return createHash("sha256")
    .update(`${stage}\n${comparablePatch(patch)}`)
    .digest("hex")
    .slice(0, 12);
}

function sameFingerprint(a: FingerprintPair, b: FingerprintPair): boolean {
  return a.template === b.template && a.exact === b.exact;
}
