import { describe, expect, it } from "vitest";
import { ADVERSARIAL_INPUTS } from "./adversarial.ts";
import { MAX_LINE_LENGTH, Redactor } from "./index.ts";

// Each adversarial input is followed by a seeded secret and a plain line: the redactor must get
// through the input (no stack overflow, no blow-up) and still be right after it. Speed is the
// bench's business (npm run bench:redaction); these tests only require that it completes.
const SEEDED = "Zq8-wX3!vB7pLm2#Tn";
const TAIL = `\nDB_PASSWORD=${SEEDED}\nplain marker line 12345\n`;
const UNCHANGED = new Set([
  "one line of base64, no newline",
  "one line of spaces",
  "dotted words (word boundaries everywhere)",
  "base64 lines with no PEM around",
  "mysql with no -p",
  "short lines of ordinary log",
]);

function checkTail(out: string): void {
  expect(out).not.toContain(SEEDED);
  expect(out.slice(-200)).toMatch(/\nDB_PASSWORD=\[REDACTED:password#\d+\]\nplain marker line 12345\n$/);
}

describe("the redactor on adversarial input", () => {
  it.each(ADVERSARIAL_INPUTS.map((input) => [input.name, input] as const))(
    "%s (4 MB): completes, and is right after it",
    (name, input) => {
      const text = input.build(4 * 1024 * 1024);
      const out = new Redactor().redact(`${text}${TAIL}`);
      checkTail(out);
      if (UNCHANGED.has(name)) {
        expect(out.slice(0, text.length)).toBe(text);
      }
    },
  );

  it("cuts a line longer than the cap at a space near the cut, so words stay whole", () => {
    const words = Array.from({ length: 3000 }, (_, i) => `word${i}`).join(" ");
    expect(words.length).toBeGreaterThan(MAX_LINE_LENGTH * 2);
    expect(new Redactor().redact(words)).toBe(words);
  });
});

describe("the redactor on 100 MB", { tags: ["slow"], timeout: 900_000 }, () => {
  it("gets through 100 MB made of every adversarial input and is right after it", () => {
    const share = Math.ceil((100 * 1024 * 1024) / ADVERSARIAL_INPUTS.length);
    const text = ADVERSARIAL_INPUTS.map((input) => input.build(share)).join("\n");
    expect(text.length).toBeGreaterThanOrEqual(100 * 1024 * 1024);
    checkTail(new Redactor().redact(`${text}${TAIL}`));
  });

  it("gets through one 100 MB line with no newline (which once overflowed the stack at 50 MB)", () => {
    const text = "Ab3+".repeat(25 * 1024 * 1024);
    const out = new Redactor().redact(`${text}${TAIL}`);
    checkTail(out);
    expect(out.length).toBe(text.length + TAIL.length - SEEDED.length + "[REDACTED:password#1]".length);
  });
});
