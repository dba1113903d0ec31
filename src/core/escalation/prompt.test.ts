import { describe, expect, it } from "vitest";
import { applyEdit } from "../edits/index.ts";
import { EDIT_FORMAT_GUIDE, ESCALATION_SYSTEM_PROMPT, filesToQuote, refusedEditSection } from "./index.ts";

const CLUSTER = [
  "nodes:",
  "  - name: cp-1",
  "    role: controlplane",
  "    storage: local-lvm",
  "  - name: worker-1",
  "    role: worker",
  "    storage: local-lvm",
  "",
].join("\n");
const PATH = "config/clusters/prox-n100.yaml";

function refusal(edit: string) {
  const result = applyEdit(edit, (path) => (path === PATH ? CLUSTER : undefined));
  if (result.ok) {
    throw new Error("expected a refusal");
  }
  return result;
}

describe("the edit format the model is asked for", () => {
  it("is SEARCH/REPLACE, and the guide's own example applies", () => {
    expect(ESCALATION_SYSTEM_PROMPT).toContain("copied exactly from a file shown in the case file");
    const example = /```text\n([\s\S]*?)```/.exec(EDIT_FORMAT_GUIDE)?.[1] ?? "";
    const result = applyEdit(example, (path) => (path === PATH ? CLUSTER : undefined));
    expect(result.ok ? result.diff : result.reasons).toContain("+    storage: local-zfs");
  });
});

describe("refusedEditSection", () => {
  it("states an ambiguous edit's reason and quotes every place it matched, numbered", () => {
    const refused = refusal(
      `${PATH}\n<<<<<<< SEARCH\n    storage: local-lvm\n=======\n    storage: local-zfs\n>>>>>>> REPLACE\n`,
    );
    expect(filesToQuote(refused.refusals)).toEqual([PATH]);
    const section = refusedEditSection({ call: 1, ...refused, files: { [PATH]: CLUSTER } });
    expect(section).toContain("## Your edit in answer 1 was refused, and nothing was changed");
    expect(section).toContain(`- SEARCH/REPLACE block 1 (${PATH}) matches 2 places in ${PATH} (lines 4, 7)`);
    expect(section).toContain("Quote more unchanged lines around the one you mean");
    expect(section).toContain(
      "1 | nodes:\n2 |   - name: cp-1\n3 |     role: controlplane\n4 |     storage: local-lvm",
    );
    expect(section).toContain("7 |     storage: local-lvm");
    expect(section).toContain("<<<<<<< SEARCH");
  });

  it("quotes the closest lines for context found nowhere", () => {
    const refused = refusal(
      `--- a/${PATH}\n+++ b/${PATH}\n@@ @@\n   - name: cp-1\n     role: control-plane\n-    storage: local-ssd\n+    storage: local-zfs\n`,
    );
    const section = refusedEditSection({ call: 2, ...refused, files: { [PATH]: CLUSTER } });
    expect(section).toContain("the closest lines are 2-4");
    expect(section).toContain("Copy the SEARCH lines character for character");
    expect(section).toContain("2 |   - name: cp-1");
  });

  it("says a patch-guard refusal is about the change itself", () => {
    const section = refusedEditSection({
      call: 3,
      reasons: ["ai/master_memo.md is protected (the human's architecture memo); the patch would edit it"],
      refusals: [],
      files: {},
    });
    expect(section).toContain("- ai/master_memo.md is protected");
    expect(section).toContain("The patch guard refused the change itself");
  });
});
