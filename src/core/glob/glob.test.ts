import { describe, expect, it } from "vitest";
import { firstMatchingGlob, matchesAnyGlob, matchesGlob, normalisePath } from "./index.ts";

describe("matchesGlob (the gitignore meaning every glob in the tool shares)", () => {
  it.each([
    ["config/db.secret", "*.secret", true],
    ["db.secret", "*.secret", true],
    ["clusters/lab/talosconfig", "talosconfig", true],
    ["clusters/lab/talosconfig", "**/talosconfig", true],
    ["infrastructure/talos/patch.yaml", "infrastructure/talos/*.yaml", true],
    ["other/infrastructure/talos/patch.yaml", "infrastructure/talos/*.yaml", false],
    ["infrastructure/talos/deep/patch.yaml", "infrastructure/talos/*.yaml", false],
    ["infrastructure/talos/deep/patch.yaml", "infrastructure/talos/**", true],
    ["talos/clusterconfig/controlplane.yaml", "talos/clusterconfig", true],
    ["talos/clusterconfig/controlplane.yaml", "talos/clusterconfig/", true],
    ["talos/clusterconfig/controlplane.yaml", "/talos/clusterconfig", true],
    ["a/secrets/x.yaml", "secrets", true],
    ["config/.env", ".env", true],
    ["config/Secrets.YAML", "secrets.yaml", true],
    ["./config/db.secret", "config/*.secret", true],
    ["config\\db.secret", "config/*.secret", true],
    ["config/db.secrets", "*.secret", false],
    ["ai/context_map.yaml ", "ai/context_map.yaml", false],
  ])("%s against %s: %s", (path, glob, expected) => {
    expect(matchesGlob(path, glob)).toBe(expected);
  });

  it("names the first glob that matched, for a reason a person reads", () => {
    expect(firstMatchingGlob("config/db.secret", ["*.key", "*.secret"])).toBe("*.secret");
    expect(matchesAnyGlob("README.md", ["*.key", "*.secret"])).toBe(false);
  });

  it("normalises separators and leading ./", () => {
    expect(normalisePath(".\\a//b/")).toBe("a/b");
  });
});
