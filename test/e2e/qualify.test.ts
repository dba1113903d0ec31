import { describe, expect, it } from "vitest";

/** `orchestrator qualify`'s runner over the built CLI, as the command runs it. */
const { runQualification, selectFaults }: typeof import("../../src/qualify/index.ts") = await import(
  new URL("../../dist/src/qualify/index.js", import.meta.url).href
);

describe("orchestrator qualify", { tags: ["slow"], timeout: 300_000 }, () => {
  it("stops at once for a Proxmox node that is down, naming it, and retries a lock timeout to green", async () => {
    const faults = selectFaults(["vms-node-down", "vms-lock-timeout"]);
    if ("unknown" in faults) {
      throw new Error(`unknown ${faults.unknown.join(", ")}`);
    }
    const report = await runQualification({
      faults,
      env: { ...process.env, EXECUTOR: "playbook", OPENAI_API_KEY: "" },
      executor: "playbook",
      model: "none",
    });
    const down = report.results.find((row) => row.fault === "vms-node-down");
    const lock = report.results.find((row) => row.fault === "vms-lock-timeout");
    expect(down).toMatchObject({
      fault: "vms-node-down",
      converged: true,
      ending: "needs_human",
      apiCalls: 0,
    });
    expect(down?.stageRuns).toBe(1);
    expect(down?.reason).toContain("Proxmox node pve does not answer (595)");
    expect(lock).toMatchObject({ fault: "vms-lock-timeout", converged: true, ending: "green", apiCalls: 0 });
    expect(report.summary.perClass.unfixable).toEqual({ converged: 1, total: 1 });
  });
});
