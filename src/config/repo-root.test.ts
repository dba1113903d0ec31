import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findRepoRoot, locateRepoRoot } from "./repo-root.ts";

function repo() {
  const root = mkdtempSync(join(tmpdir(), "root-"));
  mkdirSync(join(root, "ai", "worktree", "ai"), { recursive: true });
  mkdirSync(join(root, "config", "clusters"), { recursive: true });
  writeFileSync(join(root, "ai", "context_map.yaml"), "version: 1\n");
  writeFileSync(join(root, "ai", "worktree", "ai", "context_map.yaml"), "version: 1\n");
  return root;
}

describe("findRepoRoot", () => {
  it("finds the repo from a folder inside it", () => {
    const root = repo();
    expect(findRepoRoot(join(root, "config", "clusters"))).toBe(root);
  });

  it("finds the user's checkout, not the AI worktree, from inside the worktree", () => {
    const root = repo();
    expect(findRepoRoot(join(root, "ai", "worktree"))).toBe(root);
  });

  it("finds the homelab sub-folder of the checkout from the same sub-folder of the worktree", () => {
    const top = mkdtempSync(join(tmpdir(), "top-"));
    for (const base of [join(top, "homelab"), join(top, "ai", "worktree", "homelab")]) {
      mkdirSync(join(base, "ai"), { recursive: true });
      writeFileSync(join(base, "ai", "context_map.yaml"), "version: 1\n");
    }
    expect(findRepoRoot(join(top, "ai", "worktree", "homelab"))).toBe(join(top, "homelab"));
  });

  it("says to run init when there is no context map above", () => {
    const none = mkdtempSync(join(tmpdir(), "none-"));
    expect(() => findRepoRoot(none)).toThrow('run "orchestrator init"');
    expect(locateRepoRoot(none)).toBeUndefined();
  });
});
