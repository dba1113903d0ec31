import { buildCaseFile, type CaseFileInput } from "../../core/case-file/index.ts";
import type { SecretSample } from "../../core/redaction/corpus.ts";
import { Redactor } from "../../core/redaction/index.ts";
import { leaksSecret } from "../../core/redaction/leak.ts";
import { buildExecutorBrief } from "../executors/brief.ts";

function caseInput(overrides: Partial<CaseFileInput>): CaseFileInput {
  return {
    stage: "apps",
    goal: "Deploy the apps",
    command: "./kubernetes/apply.sh",
    caseId: "20261125-170200-3f9a1c",
    version: 1,
    exitCode: 1,
    criteria: [],
    fingerprint: { template: "9c1f0a7d3b2e4f51", exact: "4b8e2d1c0a9f7e36", lines: ["exit status 1"] },
    attemptHistory: [],
    logTail: "+ ./kubernetes/apply.sh\nexit status 1",
    files: [],
    memoSections: [],
    earlierPatches: [],
    diagnostics: [],
    safety: { protectedPaths: [], secretGlobs: [], maxFiles: 5, maxChangedLines: 80, allowedDiagnostics: [] },
    tokenBudget: 40_000,
    ...overrides,
  };
}

/** A channel: the text it would send for `text`, redacted as its caller redacts it. */
export type Channel = (text: string, redactor: Redactor, scratch: string) => Promise<string> | string;

/**
 * Every channel by which text leaves the machine, fed the kind of text it carries, through the
 * real builder where there is a pure one. `scratch` is an empty folder (the executor brief's worktree).
 */
export const CHANNELS: Readonly<Record<string, Channel>> = {
  "stage output in a case file's log tail": (text, redactor) =>
    redactor.redact(
      buildCaseFile(caseInput({ logTail: `+ ./kubernetes/apply.sh\n${text}\nexit status 1` })).markdown,
    ),
  "a repo file quoted in a case file": (text, redactor) =>
    redactor.redact(
      buildCaseFile(
        caseInput({
          files: [{ path: "kubernetes/app/values.yaml", content: text, reason: "matches files" }],
        }),
      ).markdown,
    ),
  "the memo": (text, redactor) =>
    redactor.redact(buildCaseFile(caseInput({ memoSections: [{ heading: "Apps", text }] })).markdown),
  "diagnostic output": (text, redactor) =>
    redactor.redact(
      buildCaseFile(
        caseInput({
          diagnostics: [{ command: "kubectl describe pod app", verdict: "ran", exitCode: 0, output: text }],
        }),
      ).markdown,
    ),
  "the changes-since-green diff": (text, redactor) => {
    const added = text
      .split("\n")
      .map((line) => `+${line}`)
      .join("\n");
    const hunks = `--- a/kubernetes/app/values.yaml\n+++ b/kubernetes/app/values.yaml\n@@ -1,1 +1,${text.split("\n").length} @@\n${added}`;
    return redactor.redact(
      buildCaseFile(caseInput({ changesSinceGreen: { since: "a1b2c3d", stat: " 1 file changed", hunks } }))
        .markdown,
    );
  },
  "the executor brief": (text, redactor, scratch) =>
    buildExecutorBrief(
      {
        stage: "apps",
        fingerprint: { template: "9c1f0a7d3b2e4f51", exact: "4b8e2d1c0a9f7e36", lines: ["exit status 1"] },
        logTail: text,
        relevantFiles: [],
        files: [],
        instructions: "Keep changes small.",
        worktree: scratch,
        worktreeGit: () => Promise.reject(new Error("the brief never reads the worktree")),
        logDir: scratch,
        timeoutMs: 1000,
      },
      { tokenBudget: 8000, redactor, audience: "diff" },
    ),
  // What a notification says: the stage, the outcome and the last lines of its output.
  "a notification body": (text, redactor) =>
    redactor.redact(`[homelab] stage apps gave up after 3 attempts\n\nLast output:\n${text}`),
  // ai/issues.txt keeps the error lines joined on one line, as give-up writes them.
  "a tracked file (ai/issues.txt)": (text, redactor) =>
    redactor.redact(
      `## 2026-11-25T17:02:00Z apps give_up\n- summary: failed 3 times\n- error: ${text.split("\n").join(" | ")}\n`,
    ),
};

/** Which samples leave `channel` with any part of their secret. */
export async function leakedThrough(
  channel: string,
  samples: readonly SecretSample[],
  scratch: string,
): Promise<SecretSample[]> {
  const send = CHANNELS[channel];
  if (!send) {
    throw new Error(`no channel named ${channel}`);
  }
  const leaked: SecretSample[] = [];
  for (const sample of samples) {
    const out = await send(sample.text, new Redactor(), scratch);
    // What the channel says around any text: windows of the secret found there too are not a leak.
    const baseline = await send(sample.text.split(sample.secret).join("<gone>"), new Redactor(), scratch);
    if (out.includes(sample.secret) || leaksSecret(out, sample.secret, baseline)) {
      leaked.push(sample);
    }
  }
  return leaked;
}
