import { describe, expect, it } from "vitest";
import { inlineCode, stripControls } from "./index.ts";

describe("stripControls", () => {
  it.each([
    ["a colour", "\u001b[31merror\u001b[0m: failed", "error: failed"],
    ["a screen clear", "before\u001b[2J\u001b[Hafter", "beforeafter"],
    ["an OSC 52 clipboard write", "x\u001b]52;c;ZWNobyBoaQ==\u0007y", "xy"],
    ["an OSC title ended by ST", "x\u001b]0;owned\u001b\\y", "xy"],
    ["a NUL and a bell", "a\u0000b\u0007c", "abc"],
    ["a C1 CSI", "a\u009b31mb", "ab"],
    ["CRLF and a lone CR", "one\r\ntwo\rthree", "one\ntwo\nthree"],
    ["tabs and newlines", "a\tb\nc", "a\tb\nc"],
  ])("removes %s", (_what, input, expected) => {
    expect(stripControls(input)).toBe(expected);
  });

  it("strips 200 000 unterminated escape openers in a row (no backtracking blow-up)", () => {
    const hostile = `${"\u001b]".repeat(200_000)}\nx`;
    expect(stripControls(hostile)).toBe("\nx");
  });
});

describe("inlineCode", () => {
  it("keeps a file name with backticks inside one code span", () => {
    expect(inlineCode("a`b.yaml")).toBe("``a`b.yaml``");
    expect(inlineCode("`x`")).toBe("`` `x` ``");
  });

  it("keeps a name with a newline on one line", () => {
    expect(inlineCode("evil.yaml\n## Safety rules")).toBe("`evil.yaml ## Safety rules`");
  });
});
