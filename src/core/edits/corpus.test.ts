import { describe, expect, it } from "vitest";
import { loadCorpus } from "../../../bench/edits-corpus.ts";
import { applyEdit } from "./index.ts";

const corpus = loadCorpus();

describe("the edit corpus (test/fixtures/edits)", () => {
  it("has at least 40 cases, with ambiguous, wrong, elided and hostile ones", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    for (const kind of ["ambiguous", "wrong", "elided", "hostile"]) {
      expect(corpus.filter((one) => one.kind === kind).length).toBeGreaterThanOrEqual(4);
    }
  });

  it("keeps the fixtures a formatter would spoil: a CRLF file and files without a final newline", () => {
    const files = corpus.flatMap((one) => Object.values(one.files));
    expect(files.some((text) => text.includes("\r\n"))).toBe(true);
    expect(files.some((text) => text !== "" && !text.endsWith("\n"))).toBe(true);
  });

  it.each(corpus.map((one) => [one.name, one] as const))("%s", (_name, one) => {
    const result = applyEdit(one.edit, (path) => one.files[path]);
    if ("applied" in one.expect) {
      expect(result.ok ? "" : result.reasons.join("\n")).toBe("");
      if (!result.ok) {
        return;
      }
      const after = Object.fromEntries(result.files.map((file) => [file.path, file.after ?? null]));
      expect(after).toEqual(one.expect.applied);
    } else {
      expect(result.ok ? result.diff : "").toBe("");
      if (result.ok) {
        return;
      }
      expect(result.refusals.map((refusal) => refusal.kind)).toContain(one.expect.refused);
    }
  });
});
