import { describe, expect, it } from "vitest";
import { applyHunks, type ParsedPatch, parseUnifiedDiff } from "./index.ts";

const lines = (...text: string[]) => `${text.join("\n")}\n`;

function parsed(text: string): ParsedPatch {
  const result = parseUnifiedDiff(text);
  if (!result.ok) {
    throw new Error(result.reason);
  }
  return result.patch;
}

function refusal(text: string): string {
  const result = parseUnifiedDiff(text);
  return result.ok ? "parsed" : result.reason;
}

describe("parseUnifiedDiff", () => {
  it("reads a modification with its hunk", () => {
    const patch = parsed(
      lines(
        "diff --git a/x.yaml b/x.yaml",
        "index 1111111..2222222 100644",
        "--- a/x.yaml",
        "+++ b/x.yaml",
        "@@ -1,2 +1,2 @@ top",
        " a: 1",
        "-b: 2",
        "+b: 3",
      ),
    );
    expect(patch.files).toEqual([
      expect.objectContaining({ kind: "modify", oldPath: "x.yaml", newPath: "x.yaml", binary: false }),
    ]);
    expect(patch.files[0]?.hunks[0]).toMatchObject({ oldStart: 1, oldCount: 2, newStart: 1, newCount: 2 });
  });

  it("reads creation and deletion against /dev/null", () => {
    const patch = parsed(
      lines(
        "diff --git a/new.txt b/new.txt",
        "new file mode 100755",
        "--- /dev/null",
        "+++ b/new.txt",
        "@@ -0,0 +1 @@",
        "+hi",
        "diff --git a/old.txt b/old.txt",
        "deleted file mode 100644",
        "--- a/old.txt",
        "+++ /dev/null",
        "@@ -1 +0,0 @@",
        "-bye",
      ),
    );
    expect(
      patch.files.map((file) => [file.kind, file.oldPath, file.newPath, file.newMode ?? file.oldMode]),
    ).toEqual([
      ["create", null, "new.txt", "100755"],
      ["delete", "old.txt", null, "100644"],
    ]);
  });

  it("reads renames, copies and mode changes without hunks", () => {
    const patch = parsed(
      lines(
        "diff --git a/a.txt b/b.txt",
        "similarity index 100%",
        "rename from a.txt",
        "rename to b.txt",
        "diff --git a/c.txt b/d.txt",
        "similarity index 90%",
        "copy from c.txt",
        "copy to d.txt",
        "diff --git a/run.sh b/run.sh",
        "old mode 100644",
        "new mode 100755",
      ),
    );
    expect(patch.files.map((file) => [file.kind, file.oldPath, file.newPath])).toEqual([
      ["rename", "a.txt", "b.txt"],
      ["copy", "c.txt", "d.txt"],
      ["modify", "run.sh", "run.sh"],
    ]);
    expect(patch.files[2]).toMatchObject({ oldMode: "100644", newMode: "100755" });
  });

  it("decodes git's quoted paths, including octal UTF-8 bytes", () => {
    const patch = parsed(
      lines(
        'diff --git "a/my file\\t.txt" "b/my file\\t.txt"',
        "new file mode 100644",
        "--- /dev/null",
        '+++ "b/my file\\t.txt"',
        "@@ -0,0 +1 @@",
        "+x",
      ),
    );
    expect(patch.files[0]?.newPath).toBe("my file\t.txt");
    expect(
      parsed(lines('--- "a/\\303\\244.txt"', '+++ "b/\\303\\244.txt"', "@@ -1 +1 @@", "-a", "+b")).files[0]
        ?.newPath,
    ).toBe("ä.txt");
  });

  it("marks both forms of binary content", () => {
    const patch = parsed(
      lines(
        "diff --git a/logo.png b/logo.png",
        "index 1111111..2222222 100644",
        "Binary files a/logo.png and b/logo.png differ",
      ),
    );
    expect(patch.files[0]?.binary).toBe(true);
  });

  it("tolerates a commit message above the diff and a format-patch signature below", () => {
    const patch = parsed(
      lines(
        "Subject: fix storage",
        "",
        "---",
        " x.yaml | 2 +-",
        "",
        "--- a/x.yaml",
        "+++ b/x.yaml",
        "@@ -1 +1 @@",
        "-a",
        "+b",
        "-- ",
        "2.39.5",
      ),
    );
    expect(patch.files).toHaveLength(1);
  });

  it("records a missing final newline", () => {
    const hunk = parsed(
      lines("--- a/x", "+++ b/x", "@@ -1 +1 @@", "-a", "\\ No newline at end of file", "+b"),
    ).files[0]?.hunks[0];
    expect(hunk).toMatchObject({ oldNoNewlineAtEnd: true, newNoNewlineAtEnd: false });
  });

  it.each([
    ["an empty text", "", /no file headers/],
    ["a hunk with no file header", lines("@@ -1 +1 @@", "-a", "+b"), /comes before any file header/],
    [
      "a hunk longer than its header",
      lines("--- a/x", "+++ b/x", "@@ -1 +1 @@", "-a", "+b", "+c"),
      /more lines than its header/,
    ],
    ["a truncated hunk", lines("--- a/x", "+++ b/x", "@@ -1,3 +1,3 @@", " a", "-b"), /truncated hunk/],
    ["a bad hunk header", lines("--- a/x", "+++ b/x", "@@ -a +b @@", "-a"), /not a valid hunk header/],
    ["paths without a/ and b/", lines("--- x", "+++ x", "@@ -1 +1 @@", "-a", "+b"), /lacks the "a\/" prefix/],
    [
      "a plain diff naming two files",
      lines("--- a/x", "+++ b/y", "@@ -1 +1 @@", "-a", "+b"),
      /name two different files/,
    ],
    [
      "both sides /dev/null",
      lines("--- /dev/null", "+++ /dev/null"),
      /both sides of the file header are \/dev\/null/,
    ],
    [
      "a header that disagrees with ---",
      lines("diff --git a/x b/x", "--- a/y", "+++ b/x", "@@ -1 +1 @@", "-a", "+b"),
      /does not match the diff --git header/,
    ],
    [
      "a modification with no hunks",
      lines("diff --git a/x b/x", "index 1..2 100644", "--- a/x", "+++ b/x"),
      /has no hunks/,
    ],
    ["NUL bytes", "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-\0\n+b\n", /NUL bytes/],
    ["a bad mode", lines("diff --git a/x b/x", "new mode 99"), /not a file mode/],
    ["unknown header lines", lines("diff --git a/x b/x", "what is this"), /unexpected line "what is this"/],
  ])("refuses %s as malformed", (_name, text, reason) => {
    expect(refusal(text)).toMatch(/^malformed diff \(line \d+\): /);
    expect(refusal(text)).toMatch(reason);
  });
});

describe("applyHunks", () => {
  it("produces the new text, keeping untouched lines", () => {
    const patch = parsed(lines("--- a/x", "+++ b/x", "@@ -2,2 +2,3 @@", " b", "-c", "+C", "+D"));
    expect(applyHunks("a\nb\nc\nd\n", patch.files[0]?.hunks ?? [])).toBe("a\nb\nC\nD\nd\n");
  });

  it("gives up when the old lines do not match", () => {
    const patch = parsed(lines("--- a/x", "+++ b/x", "@@ -1 +1 @@", "-zzz", "+y"));
    expect(applyHunks("a\n", patch.files[0]?.hunks ?? [])).toBeUndefined();
  });
});
