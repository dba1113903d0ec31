import { describe, expect, it } from "vitest";
import { ESCALATION_ANSWER_JSON_SCHEMA, parseEscalationAnswer } from "./index.ts";

const patch = {
  action: "patch",
  summary: "Use local-zfs storage",
  hypothesis: "The node has no local-lvm storage",
  expected_effect: "VM creation succeeds",
  patch:
    "--- a/config/clusters/lab.yaml\n+++ b/config/clusters/lab.yaml\n@@ -1 +1 @@\n-storage: local-lvm\n+storage: local-zfs\n",
};

describe("parseEscalationAnswer", () => {
  it("accepts each of the three answers", () => {
    expect(parseEscalationAnswer(JSON.stringify(patch))).toEqual({ ok: true, answer: patch });
    const diagnostics = {
      action: "diagnostics",
      summary: "Look at the disks",
      hypothesis: "wrong install disk",
      commands: [{ command: "talosctl get disks --insecure -n 10.0.0.11", why: "which disks exist" }],
    };
    expect(parseEscalationAnswer(JSON.stringify(diagnostics))).toEqual({ ok: true, answer: diagnostics });
    expect(parseEscalationAnswer('{"action":"give_up","reason":"needs a human"}')).toEqual({
      ok: true,
      answer: { action: "give_up", reason: "needs a human" },
    });
  });

  it("accepts an edit in any format in the same patch field, unchanged", () => {
    const searchReplace = {
      ...patch,
      patch:
        "config/clusters/lab.yaml\n<<<<<<< SEARCH\nstorage: local-lvm\n=======\nstorage: local-zfs\n>>>>>>> REPLACE\n",
    };
    expect(parseEscalationAnswer(JSON.stringify({ ...searchReplace, commands: null, reason: null }))).toEqual(
      {
        ok: true,
        answer: searchReplace,
      },
    );
  });

  it("normalises the flat strict-mode shape with nulls into the action's own fields", () => {
    const flat = { ...patch, commands: null, reason: null };
    expect(parseEscalationAnswer(JSON.stringify(flat))).toEqual({ ok: true, answer: patch });
  });

  it("tolerates one code fence around the JSON, as local models send it", () => {
    const text = `\`\`\`json\n${JSON.stringify({ action: "give_up", reason: "x" })}\n\`\`\``;
    expect(parseEscalationAnswer(text)).toEqual({ ok: true, answer: { action: "give_up", reason: "x" } });
  });

  it.each([
    ["prose around the JSON", 'Sure! {"action":"give_up","reason":"x"}', "not valid JSON"],
    ["truncated JSON", '{"action":"give_up","reason":"x"', "not valid JSON"],
    ["an empty answer", "  ", "empty"],
    ["a JSON array", "[1]", "not an object"],
    ["an unknown action", '{"action":"fix"}', "action: must be one of patch, diagnostics, give_up"],
    [
      "a patch without its diff",
      '{"action":"patch","summary":"a","hypothesis":"b","expected_effect":"c"}',
      "patch:",
    ],
    [
      "diagnostics with no commands",
      '{"action":"diagnostics","summary":"a","hypothesis":"b","commands":[]}',
      "commands",
    ],
    ["an empty give_up reason", '{"action":"give_up","reason":" "}', "reason: must be a non-empty string"],
  ])("refuses %s with a reason the model can act on", (_name, text, fragment) => {
    const parsed = parseEscalationAnswer(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? "" : parsed.reason).toContain(fragment);
  });

  it("publishes a strict-mode schema: every property required, no additional properties", () => {
    const schema = ESCALATION_ANSWER_JSON_SCHEMA;
    expect(schema.additionalProperties).toBe(false);
    expect([...schema.required].sort()).toEqual(Object.keys(schema.properties).sort());
    expect(schema.properties.commands.items.additionalProperties).toBe(false);
  });
});
