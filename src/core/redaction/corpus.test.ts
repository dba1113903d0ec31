import { describe, expect, it } from "vitest";
import { SECRET_CORPUS } from "./corpus.ts";
import { Redactor } from "./index.ts";
import { leaksSecret } from "./leak.ts";

describe("the secret corpus", () => {
  it("holds at least 100 formats, each naming where its shape comes from", () => {
    expect(SECRET_CORPUS.length).toBeGreaterThanOrEqual(100);
    expect(new Set(SECRET_CORPUS.map((sample) => sample.name)).size).toBe(SECRET_CORPUS.length);
    for (const sample of SECRET_CORPUS) {
      expect(sample.source.length).toBeGreaterThan(5);
      expect(sample.text).toContain(sample.secret);
    }
  });

  it.each(SECRET_CORPUS.map((sample) => [sample.name, sample] as const))("redacts %s", (_name, sample) => {
    const out = new Redactor().redact(sample.text);
    expect(out).not.toContain(sample.secret);
    expect(leaksSecret(out, sample.secret, sample.text)).toBe(false);
    expect(out).toContain("[REDACTED:");
  });
});
