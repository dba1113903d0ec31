import { describe, expect, it } from "vitest";
import { parseUnifiedDiff } from "../patch-guard/index.ts";
import { applyEdit, MAX_WHOLE_FILE_LINES } from "./index.ts";

const read = (files: Record<string, string>) => (path: string) => files[path];

function applied(edit: string, files: Record<string, string>) {
  const result = applyEdit(edit, read(files));
  if (!result.ok) {
    throw new Error(result.reasons.join("\n"));
  }
  return result;
}

describe("applyEdit", () => {
  it("keeps a CRLF file CRLF when the diff's own lines carry CR", () => {
    const file = "a: 1\r\nb: 2\r\nc: 3\r\n";
    const edit = "--- a/x.yaml\r\n+++ b/x.yaml\r\n@@ @@\r\n a: 1\r\n-b: 2\r\n+b: 3\r\n c: 3\r\n";
    const result = applied(edit, { "x.yaml": file });
    expect(result.files[0]?.after).toBe("a: 1\r\nb: 3\r\nc: 3\r\n");
    expect(parseUnifiedDiff(result.diff).ok).toBe(true);
  });

  it("applies a placeholder-like comment that removes nothing, as written", () => {
    const edit =
      "x.yaml\n<<<<<<< SEARCH\nnodes:\n  - cp-1\n=======\nnodes:\n  - cp-1\n  # ... add workers here\n>>>>>>> REPLACE\n";
    expect(applied(edit, { "x.yaml": "nodes:\n  - cp-1\n" }).files[0]?.after).toBe(
      "nodes:\n  - cp-1\n  # ... add workers here\n",
    );
  });

  it("does not take a YAML document end marker that is already in the file for a placeholder", () => {
    const file = "a: 1\nb: 2\n...\n";
    const edit = "--- a/x.yaml\n+++ b/x.yaml\n@@ @@\n-a: 1\n-b: 2\n-...\n+a: 2\n+...\n";
    expect(applied(edit, { "x.yaml": file }).files[0]?.after).toBe("a: 2\n...\n");
  });

  it("re-indents added lines nested deeper than any line it matched", () => {
    const file = "machine:\n  install:\n    disk: /dev/sda\n  network: {}\n";
    const edit =
      "x.yaml\n<<<<<<< SEARCH\ninstall:\n  disk: /dev/sda\n=======\ninstall:\n  disk: /dev/sda\n  extraKernelArgs:\n    - net.ifnames=0\n>>>>>>> REPLACE\n";
    expect(applied(edit, { "x.yaml": file }).files[0]?.after).toBe(
      "machine:\n  install:\n    disk: /dev/sda\n    extraKernelArgs:\n      - net.ifnames=0\n  network: {}\n",
    );
  });

  it("writes tabs for the spaces a model used in a tab-indented script", () => {
    const file = "f() {\n\tif true; then\n\t\techo a\n\tfi\n}\n";
    const edit =
      "f.sh\n<<<<<<< SEARCH\n    if true; then\n        echo a\n=======\n    if true; then\n        echo b\n        echo c\n>>>>>>> REPLACE\n";
    expect(applied(edit, { "f.sh": file }).files[0]?.after).toBe(
      "f() {\n\tif true; then\n\t\techo b\n\t\techo c\n\tfi\n}\n",
    );
  });

  it("changes no file when one of two files is refused", () => {
    const edit =
      "a.yaml\n<<<<<<< SEARCH\nx: 1\n=======\nx: 2\n>>>>>>> REPLACE\nb.yaml\n<<<<<<< SEARCH\ny: 9\n=======\ny: 2\n>>>>>>> REPLACE\n";
    const result = applyEdit(edit, read({ "a.yaml": "x: 1\n", "b.yaml": "y: 1\n" }));
    expect(result).toMatchObject({ ok: false, refusals: [{ kind: "not-found", path: "b.yaml" }] });
    expect("files" in result).toBe(false);
  });

  it("refuses a whole-file rewrite of a large file and asks for blocks", () => {
    const big = Array.from({ length: MAX_WHOLE_FILE_LINES + 1 }, (_, n) => `k${n}: ${n}`).join("\n");
    const edit = `big.yaml\n\`\`\`yaml\n${big.replace("k0: 0", "k0: 1")}\n\`\`\`\n`;
    const result = applyEdit(edit, read({ "big.yaml": `${big}\n` }));
    expect(result).toMatchObject({ ok: false, refusals: [{ kind: "too-large" }] });
  });

  it("uses no line number to choose between two exact matches, and names both", () => {
    const edit = "--- a/x.yaml\n+++ b/x.yaml\n@@ -4 +4 @@\n-  size: 1\n+  size: 2\n";
    const result = applyEdit(edit, read({ "x.yaml": "a:\n  size: 1\nb:\n  size: 1\n" }));
    expect(result).toMatchObject({
      ok: false,
      refusals: [
        {
          kind: "ambiguous",
          regions: [
            { start: 2, end: 2 },
            { start: 4, end: 4 },
          ],
        },
      ],
    });
    expect(result.ok ? "" : result.reasons[0]).toContain("matches 2 places in x.yaml (lines 2, 4)");
  });

  it("prefers the strictest match: an exact match is not ambiguous with a looser one", () => {
    const edit = "x.yaml\n<<<<<<< SEARCH\n  size: 1\n=======\n  size: 2\n>>>>>>> REPLACE\n";
    const result = applied(edit, { "x.yaml": "a:\n  size: 1\nb:\n    size: 1\n" });
    expect(result.files[0]?.after).toBe("a:\n  size: 2\nb:\n    size: 1\n");
  });

  it("locates edits in a 20 000-line file", () => {
    const lines = Array.from({ length: 20_000 }, (_, n) => `line ${n}`);
    const edit = "--- a/big.txt\n+++ b/big.txt\n@@ @@\n line 19998\n-line 19999\n+line last\n";
    const result = applied(edit, { "big.txt": `${lines.join("\n")}\n` });
    expect(result.files[0]?.after?.endsWith("line 19998\nline last\n")).toBe(true);
  });
});

describe("matching with indentation ignored", () => {
  it("refuses an edit whose lines match only with the nesting flattened, rather than move a YAML key", () => {
    const edit = "x.yaml\n<<<<<<< SEARCH\nspec:\nwait: false\n=======\nspec:\nwait: true\n>>>>>>> REPLACE\n";
    const result = applyEdit(edit, read({ "x.yaml": "kind: Kustomization\nspec:\n  wait: false\n" }));
    expect(result).toMatchObject({ ok: false, refusals: [{ kind: "not-found" }] });
  });
});

describe("blank lines around SEARCH text", () => {
  it("applies a block whose SEARCH and REPLACE start and end with a blank line the file does not have there", () => {
    const edit =
      "x.yaml\n<<<<<<< SEARCH\n\n  storage: local-lvm\n\n=======\n\n  storage: local-zfs\n\n>>>>>>> REPLACE\n";
    const result = applyEdit(edit, read({ "x.yaml": "node:\n  storage: local-lvm\n  bridge: vmbr0\n" }));
    expect(result.ok ? result.files[0]?.after : result.reasons).toBe(
      "node:\n  storage: local-zfs\n  bridge: vmbr0\n",
    );
  });
});
