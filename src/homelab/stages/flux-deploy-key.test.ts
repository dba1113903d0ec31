import { describe, expect, it } from "vitest";
import { deployKeyPath } from "./flux.ts";

describe("gitops.flux.deployKeyFile", () => {
  it("honours an absolute path and one under ~, and reads a relative one from the repo root", () => {
    expect(deployKeyPath("/etc/flux/deploy-key", "/srv/homelab", "/home/ops")).toBe("/etc/flux/deploy-key");
    expect(deployKeyPath("~/.ssh/flux_ed25519", "/srv/homelab", "/home/ops")).toBe(
      "/home/ops/.ssh/flux_ed25519",
    );
    expect(deployKeyPath("keys/flux", "/srv/homelab", "/home/ops")).toBe("/srv/homelab/keys/flux");
  });
});
