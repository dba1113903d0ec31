/**
 * `npm run bench:edits`: the edit applier over the corpus of model edits
 * (test/fixtures/edits/cases): how many unambiguous edits it applies exactly as intended, and
 * how many ambiguous, wrong, elided or hostile ones it refuses for the right reason. For
 * comparison, the same corpus through `git apply` alone, as the tool did before (in a
 * throw-away repo per case).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { applyEdit } from "../src/core/edits/index.ts";
import { measureCallsToGreen } from "./edits-calls.ts";
import { type CorpusCase, corpusDir, loadCorpus } from "./edits-corpus.ts";

const GIT_ENV = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };

type Outcome = { right: boolean; detail: string };

function withApplier(one: CorpusCase): Outcome {
  const result = applyEdit(one.edit, (path) => one.files[path]);
  if ("applied" in one.expect) {
    if (!result.ok) {
      return { right: false, detail: `refused: ${result.reasons.join("; ")}` };
    }
    const after = Object.fromEntries(result.files.map((file) => [file.path, file.after ?? null]));
    const same = JSON.stringify(after) === JSON.stringify(one.expect.applied);
    return { right: same, detail: same ? "applied" : "applied, but not as intended" };
  }
  if (result.ok) {
    return { right: false, detail: "applied" };
  }
  const kinds = result.refusals.map((refusal) => refusal.kind);
  return {
    right: kinds.includes(one.expect.refused),
    detail: `refused (${[...new Set(kinds)].join(", ")})`,
  };
}

function withGitApplyAlone(one: CorpusCase): Outcome {
  const root = mkdtempSync(join(tmpdir(), "bench-edits-"));
  try {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: root, env: GIT_ENV, stdio: "pipe" });
    git("init", "-q");
    for (const [path, content] of Object.entries({ "README.md": "homelab\n", ...one.files })) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    git("add", "-A");
    git("-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qm", "base");
    const applied = spawnSync("git", ["apply", "--whitespace=nowarn", "-p1", "-"], {
      cwd: root,
      env: GIT_ENV,
      input: one.edit,
      maxBuffer: 64 * 1024 * 1024,
    });
    const ok = applied.status === 0;
    if (!("applied" in one.expect)) {
      return { right: !ok, detail: ok ? "applied" : "refused" };
    }
    if (!ok) {
      return { right: false, detail: "refused" };
    }
    const same = Object.entries(one.expect.applied).every(([path, expected]) => {
      try {
        return readFileSync(join(root, path), "utf8") === expected;
      } catch {
        return expected === null;
      }
    });
    return { right: same, detail: same ? "applied" : "applied, but not as intended" };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function score(corpus: CorpusCase[], run: (one: CorpusCase) => Outcome) {
  const rows = corpus.map((one) => ({ one, outcome: run(one) }));
  const unambiguous = rows.filter(({ one }) => one.kind === "unambiguous");
  const refusals = rows.filter(({ one }) => one.kind !== "unambiguous");
  return {
    line: `unambiguous applied ${unambiguous.filter((row) => row.outcome.right).length}/${unambiguous.length}, refusals right ${refusals.filter((row) => row.outcome.right).length}/${refusals.length}`,
    misses: rows.filter((row) => !row.outcome.right),
  };
}

const corpus = loadCorpus();
const applier = score(corpus, withApplier);
console.log(`edit applier (src/core/edits): ${applier.line}`);
for (const { one, outcome } of applier.misses) {
  console.log(`  miss ${one.name}: ${outcome.detail}`);
}
const byKind = ["ambiguous", "wrong", "elided", "hostile"].map(
  (kind) => `${kind} ${corpus.filter((one) => one.kind === kind).length}`,
);
console.log(`  corpus: ${corpus.length} cases (${byKind.join(", ")})`);
const gitAlone = score(corpus, withGitApplyAlone);
console.log(`git apply alone (before):      ${gitAlone.line}`);

const results = await measureCallsToGreen(join(corpusDir(), "..", "..", "..", "bin", "orchestrator"));
const spent = results.reduce((sum, result) => sum + result.calls, 0);
const firstCall = results.filter((result) => result.green && result.calls === 1).length;
console.log(
  `API calls from first answer to green (orchestrator vms, loopback model): ${spent} for ${results.length} answer shapes, ${firstCall}/${results.length} green on the first call`,
);
for (const result of results) {
  console.log(`  ${result.shape}: ${result.calls} call(s)${result.green ? "" : ", not green"}`);
}
