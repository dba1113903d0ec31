import { describe, expect, it } from "vitest";

/** The built demo, as `npm run demo` runs it (it drives the built CLI next to it). */
const { runDemo }: typeof import("../../src/demo/index.ts") = await import(
  new URL("../../dist/src/demo/index.js", import.meta.url).href
);

describe("npm run demo", { tags: ["slow"], timeout: 300_000 }, () => {
  it("converges the sandbox lab's three faults with playbooks, then replays the remembered fix", async () => {
    let output = "";
    const converged = await runDemo({ out: (text) => (output += text) });
    expect(converged, output).toBe(true);
    expect(output).toContain("6 of 6 stages are green (vms, talos, infra, apps, ingress, obs)");
    expect(output).toMatch(/playbook: ai\(vms\): proxmox-storage-missing/);
    expect(output).toMatch(/playbook: ai\(vms\): proxmox-bridge-missing/);
    expect(output).toMatch(/playbook: ai\(talos\): talos-install-disk-missing/);
    expect(output).toMatch(/memory: ai\(vms\): replay remembered fix/);
    expect(output).toContain("0 model API calls");
  });
});
