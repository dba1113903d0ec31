import { describe, expect, it } from "vitest";
import { explainEpisode, type JournalEntry, lastEpisode } from "./index.ts";

const at = (n: number) => `2026-11-25T10:00:${String(n).padStart(2, "0")}.000Z`;
const JOURNAL: JournalEntry[] = [
  { at: at(1), type: "stage_run", stage: "talos", green: true, summary: "exit 0", logFile: "a.log" },
  { at: at(2), type: "stage_run", stage: "talos", green: false, summary: "exit 1", logFile: "b.log" },
  { at: at(3), type: "decision", stage: "talos", fingerprint: "abc", reason: "attempt 1 of 3: plain retry" },
  { at: at(4), type: "stage_run", stage: "vms", green: true, summary: "exit 0", logFile: "v.log" },
  { at: at(5), type: "api_call", stage: "talos", model: "gpt-5-mini", requests: 1, answer: "patch" },
  { at: at(6), type: "patch_applied", stage: "talos", commit: "0123456789abcdef", source: "api" },
  { at: at(7), type: "stage_run", stage: "talos", green: false, summary: "exit 1", logFile: "c.log" },
  {
    at: at(8),
    type: "patch_reverted",
    stage: "talos",
    commit: "0123456789abcdef",
    reason: "tried, did not help",
  },
  {
    at: at(9),
    type: "give_up",
    stage: "talos",
    reason: "the model gave up: needs a human",
    caseDir: "ai/escalations/talos/x",
  },
];

describe("explain", () => {
  it("tells only the stage's last episode, starting after its last green run", () => {
    const episode = lastEpisode(JOURNAL, "talos");
    expect(episode.map((entry) => entry.at)).toEqual([at(2), at(3), at(5), at(6), at(7), at(8), at(9)]);
  });

  it("says in plain words what happened and what the human should do", () => {
    const story = explainEpisode("talos", lastEpisode(JOURNAL, "talos"));
    expect(story).toContain("run 1 failed: exit 1 (b.log)");
    expect(story).toContain("asked the model (gpt-5-mini, 1 request(s)); it answered with patch");
    expect(story).toContain("reverted 0123456789: tried, did not help");
    expect(story).toContain(
      'Where it stands: give_up — the model gave up: needs a human. The case file is in ai/escalations/talos/x. Fix the cause by hand, then run "orchestrator talos --reset".',
    );
  });

  it("tells the episode a green run closed", () => {
    const story = explainEpisode("vms", lastEpisode(JOURNAL, "vms"));
    expect(story).toContain("run 1 passed");
    expect(story).toContain("Where it stands: green.");
  });

  it("says so when nothing happened", () => {
    expect(explainEpisode("obs", lastEpisode(JOURNAL, "obs"))).toContain("nothing has happened yet");
  });
});
