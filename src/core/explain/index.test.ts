import { describe, expect, it } from "vitest";
import type { JournalRecord } from "../journal/index.ts";
import { explainEpisode, lastEpisode } from "./index.ts";

const at = (n: number) => `2026-11-25T10:00:${String(n).padStart(2, "0")}.000Z`;
const run = (n: number, stage: string, green: boolean): JournalRecord => ({
  at: at(n),
  type: "stage_run",
  stage,
  attempt: n,
  green,
  summary: green ? "exit 0" : "exit 1",
  logFile: `${stage}-${n}.log`,
  durationMs: 10,
  checks: [],
});

// The order the loop writes: the green run, then the verdicts on its patches, then stage_green.
const JOURNAL: JournalRecord[] = [
  run(1, "talos", true),
  { at: at(2), type: "stage_green", stage: "talos", runs: 1 },
  run(3, "talos", false),
  { at: at(4), type: "decision", stage: "talos", fingerprint: "abc", action: "retry", reason: "plain retry" },
  run(5, "vms", false),
  {
    at: at(6),
    type: "patch_applied",
    stage: "vms",
    commit: "0123456789abcdef",
    source: "playbook",
    summary: "use local-zfs",
    files: ["c.yaml"],
    record: "r.json",
  },
  run(7, "vms", true),
  { at: at(8), type: "patch_verified", stage: "vms", commit: "0123456789abcdef", source: "playbook" },
  { at: at(9), type: "stage_green", stage: "vms", runs: 2 },
  {
    at: at(10),
    type: "patch_reverted",
    stage: "talos",
    commit: "fedcba9876543210",
    revert: "1111",
    reason: "not wanted",
    by: "human",
  },
  { at: at(11), type: "reset", stage: "talos", previous: "give_up" },
];

describe("explain", () => {
  it("tells the episode a green closed, with the verdicts written after the green run", () => {
    const story = explainEpisode("vms", lastEpisode(JOURNAL, "vms"));
    expect(story).toContain("run 1 failed: exit 1 (vms-5.log)");
    expect(story).toContain("committed 0123456789 on the AI branch (source: playbook): use local-zfs.");
    expect(story).toContain("made the stage green; it is remembered as a verified fix.");
    expect(story.trimEnd().endsWith("Where it stands: green.")).toBe(true);
  });

  it("tells a human's revert and reset as the human's", () => {
    const story = explainEpisode("talos", lastEpisode(JOURNAL, "talos"));
    expect(story).toContain("a human reverted fedcba9876: not wanted.");
    expect(story).toContain("a human reset the stage (it was give_up).");
    expect(story).toContain('Where it stands: reset by a human; run "orchestrator talos" to start again.');
    expect(story).not.toContain("talos-1.log");
  });

  it("says so when nothing happened", () => {
    expect(explainEpisode("obs", lastEpisode(JOURNAL, "obs"))).toContain("nothing has happened yet");
  });
});
