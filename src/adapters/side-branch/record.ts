import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PatchVerdict } from "../../core/patch-guard/index.ts";
import { fileStamp, pathSegment, stagePatchesDir } from "../../core/repo-layout/index.ts";
import type { PatchMeta } from "./commits.ts";

type Outcome =
  | { status: "applied"; commit: string; files: string[] }
  | { status: "refused"; reasons: string[] };

export type PatchRecord = {
  version: 1;
  at: string;
  stage: string;
  source: string;
  status: "applied" | "refused";
  summary: string;
  fingerprint: string;
  caseId?: string;
  commit?: string;
  files?: string[];
  reasons?: string[];
  /** Repo-relative paths of the saved diff and of this record. */
  diffPath: string;
  recordPath: string;
};

/**
 * Saves a proposed diff and what became of it under `ai/patches/<stage>/` (runtime data, git
 * ignores it): `<YYYYMMDD-HHMMSS>_<source>_<applied|refused>.diff` and a `.json` beside it.
 * Returns the record so the caller can journal it. Never overwrites an earlier record.
 */
export async function recordPatchVerdict(
  repoRoot: string,
  stage: string,
  diffText: string,
  verdict: Outcome | PatchVerdict,
  meta: PatchMeta & { at?: Date },
): Promise<PatchRecord> {
  const status =
    "status" in verdict ? verdict.status : verdict.verdict === "accepted" ? "applied" : "refused";
  const folder = stagePatchesDir(stage);
  await mkdir(join(repoRoot, folder), { recursive: true });
  const at = meta.at ?? new Date();
  const base = `${fileStamp(at)}_${pathSegment(meta.source)}_${status}`;
  for (let attempt = 1; ; attempt++) {
    const name = attempt === 1 ? base : `${base}-${attempt}`;
    const diffPath = join(folder, `${name}.diff`);
    const recordPath = join(folder, `${name}.json`);
    try {
      await writeFile(join(repoRoot, diffPath), diffText, { flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        continue;
      }
      throw error;
    }
    const record: PatchRecord = {
      version: 1,
      at: at.toISOString(),
      stage,
      source: meta.source,
      status,
      summary: meta.summary,
      fingerprint: meta.fingerprint,
      ...(meta.caseId === undefined ? {} : { caseId: meta.caseId }),
      ...("commit" in verdict ? { commit: verdict.commit } : {}),
      ...("files" in verdict ? { files: verdict.files } : {}),
      ...("reasons" in verdict ? { reasons: verdict.reasons } : {}),
      diffPath,
      recordPath,
    };
    await writeFile(join(repoRoot, recordPath), `${JSON.stringify(record, null, 2)}\n`, { flag: "wx" });
    return record;
  }
}
