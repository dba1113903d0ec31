import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findRepoRoot } from "./repo-root.ts";

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

  it("says to run init when there is no context map above", () => {
    expect(() => findRepoRoot(mkdtempSync(join(tmpdir(), "none-")))).toThrow('run "orchestrator init"');
  });
});
