import { describe, expect, it } from "vitest";
import { ClusterTable } from "./cluster-table.ts";
import { MaskedLine, maskMessage } from "./masked-line.ts";

describe("MaskedLine", () => {
  it("masks a line inside a larger text exactly as the line on its own", () => {
    const lines = [
      "dial tcp 192.168.1.21:50000: connect: connection refused",
      'pods "cilium-7d9f8b6c4-x2x7k" not found',
      "reconcile failed reconcileID=1f2e3d uid=ab-cd pid=42 port=6443 name=flux-system",
      "connection from 10.0.0.1 () at Fri Jun 17 07:07:00 2005",
      "1190 bytes (1.16 KB) sent",
    ];
    const text = lines.join("\n");
    const line = new MaskedLine();
    let start = 0;
    for (const expected of lines) {
      const end = start + expected.length;
      expect(line.read(text, start, end).toString()).toBe(maskMessage(expected));
      start = end + 1;
    }
  });

  it("masks a gigantic line without running out of room", () => {
    const huge = "retry 1 of 5 ".repeat(50_000);
    expect(maskMessage(huge)).toBe("retry <*> of <*> ".repeat(50_000).trimEnd());
  });
});

describe("ClusterTable", () => {
  it("finds every masked message it was given, also after growing", () => {
    const table = new ClusterTable();
    const line = new MaskedLine();
    // Letters only, so that masking leaves every message distinct.
    const letters = (k: number) =>
      [...k.toString(26)].map((d) => String.fromCharCode(97 + parseInt(d, 26))).join("");
    const words = Array.from({ length: 5000 }, (_, k) => `event ${letters(k)}`);
    words.forEach((word, k) => {
      table.set(line.read(word).toString(), k);
    });
    words.forEach((word, k) => {
      expect(table.find(line.read(word))).toBe(k);
    });
    expect(table.find(line.read("never seen"))).toBe(-1);
    expect(table.findKey(line.read(words[7] ?? "").toString())).toBe(7);
    expect(table.size).toBe(words.length);
  });
});
