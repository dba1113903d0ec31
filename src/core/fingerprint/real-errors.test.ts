import { describe, expect, it } from "vitest";
import {
  ALL_LINES,
  LABELLED_PAIRS,
  REAL_LINES,
  VARIANT_LINES,
} from "../../../test/fixtures/error-lines/index.ts";
import { scoreCorpus } from "../../../test/fixtures/error-lines/score.ts";

describe("the real error-line corpus", () => {
  it("holds at least 100 real lines of every tool, each with where it was seen", () => {
    expect(REAL_LINES.length).toBeGreaterThanOrEqual(100);
    for (const tool of ["talosctl", "kubectl", "flux", "proxmox", "cloudflared"]) {
      expect(REAL_LINES.filter((line) => line.tool === tool).length).toBeGreaterThanOrEqual(15);
    }
    for (const line of ALL_LINES) {
      expect(line.source).toMatch(/^https:\/\/|^[\w-]+\/[\w.-]+@[\w.]+ \S+:\d+/);
    }
    expect(new Set(ALL_LINES.map((line) => line.id)).size).toBe(ALL_LINES.length);
    const ids = new Set(REAL_LINES.map((line) => line.id));
    for (const variant of VARIANT_LINES) {
      expect(ids.has(variant.variantOf)).toBe(true);
    }
  });

  it("labels at least 100 pairs, a good share of each kind", () => {
    expect(LABELLED_PAIRS.length).toBeGreaterThanOrEqual(100);
    expect(LABELLED_PAIRS.filter((pair) => pair.label === "same").length).toBeGreaterThanOrEqual(40);
    expect(LABELLED_PAIRS.filter((pair) => pair.label === "different").length).toBeGreaterThanOrEqual(40);
  });

  it("groups every same-error pair and keeps every near miss apart, with a fresh or a learned miner", () => {
    const score = scoreCorpus();
    const failures = score.failures.map(
      (f) =>
        `${f.pair.label} ${f.pair.a} / ${f.pair.b} (${f.pair.why})\n  ${f.templates[0]}\n  ${f.templates[1]}`,
    );
    expect(failures).toEqual([]);
    expect(score.sameGrouped).toBe(score.sameTotal);
    expect(score.differentApart).toBe(score.differentTotal);
  });

  it("keeps every line's fingerprint once the miner has learned the whole corpus", () => {
    expect(scoreCorpus().unstable).toEqual([]);
  });
});
