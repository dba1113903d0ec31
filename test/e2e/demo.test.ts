import { describe, expect, it } from "vitest";

/** The built demo, as `npm run demo` runs it (it drives the built CLI next to it). */
const { runDemo }: typeof import("../../src/demo/index.ts") = await import(
  new URL("../../dist/src/demo/index.js", import.meta.url).href
);

/** One demo run, shared by the tests below: it takes minutes. */
let demo: Promise<{ converged: boolean; output: string }> | undefined;
function demoRun() {
  demo ??= (async () => {
    let output = "";
    const converged = await runDemo({ out: (text) => (output += text) });
    return { converged, output };
  })();
  return demo;
}

describe("npm run demo", { tags: ["slow"], timeout: 300_000 }, () => {
  it("converges the sandbox lab's three faults with playbooks, then replays the remembered fix", async () => {
    const { converged, output } = await demoRun();
    expect(converged, output).toBe(true);
    expect(output).toContain("6 of 6 stages are green (vms, talos, infra, apps, ingress, obs)");
    expect(output).toMatch(/playbook: ai\(vms\): proxmox-storage-missing/);
    expect(output).toMatch(/playbook: ai\(vms\): proxmox-bridge-missing/);
    expect(output).toMatch(/playbook: ai\(talos\): talos-install-disk-missing/);
    expect(output).toMatch(/memory: ai\(vms\): replay remembered fix/);
    expect(output).toContain("0 model API calls");
  });

  it("ends with a proposed fix approved, and plan finding nothing to do", async () => {
    const { converged, output } = await demoRun();
    expect(converged, output).toBe(true);
    const secondAct = output.slice(output.indexOf("Second act"));
    expect(secondAct).toContain("vms: awaiting_approval — fix ");
    expect(secondAct).toMatch(/^vms +await approval +fix [0-9a-f]{10} \(source: memory\)/m);
    expect(secondAct).toContain("$ orchestrator approve vms-1\n");
    const finalPlan = secondAct.slice(secondAct.lastIndexOf("$ orchestrator plan "));
    for (const stage of ["vms", "talos", "infra", "apps", "ingress", "obs"]) {
      expect(finalPlan).toMatch(
        new RegExp(`^${stage} +nothing +green, and its \\d+ checks? still pass`, "m"),
      );
    }
    expect(finalPlan).toContain("Nothing would run");
    expect(finalPlan).toContain("(exit 0)");
  });
});
