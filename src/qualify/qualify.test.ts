import { describe, expect, it } from "vitest";
import { LAB_FLUX_TREE } from "../../lab/sandbox/flux-tree.ts";
import { newLabWorld } from "../../lab/world/index.ts";
import { applyEdit } from "../core/edits/index.ts";
import { EXAMPLE_CLUSTER_FILE } from "../homelab/cluster-file/index.ts";
import { needsHumanLine } from "../homelab/stages/human-causes.ts";
import { CLUSTER_FILE, FAULTS, fixAsEdit, type RepoFiles, selectFaults } from "./faults.ts";
import { formatReport, summarize } from "./report.ts";
import type { FaultResult } from "./run-fault.ts";

const CILIUM = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: { name: cilium }\n";

describe("the fault library", () => {
  it("has at least 25 faults over all six stages' neighbourhood, each planting exactly one change", () => {
    expect(FAULTS.length).toBeGreaterThanOrEqual(25);
    expect(new Set(FAULTS.map((fault) => fault.id)).size).toBe(FAULTS.length);
    for (const fault of FAULTS) {
      const files: RepoFiles = new Map([
        [CLUSTER_FILE, EXAMPLE_CLUSTER_FILE],
        ["kubernetes/bootstrap/20-cilium.yaml", CILIUM],
        ...Object.entries(LAB_FLUX_TREE),
      ]);
      fault.repo?.(files);
      fault.world?.(newLabWorld());
      expect(fault.repo !== undefined || fault.world !== undefined).toBe(true);
      if (fault.class === "configuration") {
        const fix = fault.fix;
        expect(fix).toBeDefined();
        expect(files.get(fix?.file ?? "")).toContain(fix?.search);
        // The edit applier takes it: whole lines, found in the faulty file.
        const edit = fixAsEdit(fix as NonNullable<typeof fix>, files.get(fix?.file ?? "") ?? "");
        const applied = applyEdit(edit, (path) => files.get(path));
        expect(applied.ok, `${fault.id}: ${JSON.stringify(applied)}`).toBe(true);
      }
      if (fault.class === "unfixable") {
        expect(fault.cause).toBeInstanceOf(RegExp);
      }
    }
  });

  it("refuses unknown fault ids by name", () => {
    expect(selectFaults(["vms-node-down", "no-such-fault"])).toEqual({ unknown: ["no-such-fault"] });
    expect(selectFaults([])).toEqual(FAULTS);
  });
});

describe("the needs-human causes", () => {
  it("turns a refused deploy key into a line that names what to do", () => {
    const line = needsHumanLine(
      "infra: flux bootstrap: ✗ failed to clone repository: ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain",
    );
    expect(line).toMatch(/^needs a human: the git server refuses the deploy key: .*unable to authenticate/);
  });

  it("leaves a failure a change can fix alone", () => {
    expect(needsHumanLine('proxmox: storage "local-zfs" does not exist on node pve')).toBeUndefined();
  });
});

describe("the report", () => {
  const row = (over: Partial<FaultResult>): FaultResult => ({
    fault: "f",
    stage: "vms",
    class: "configuration",
    converged: true,
    ending: "green",
    stageRuns: 3,
    executorRuns: 1,
    apiCalls: 1,
    escalations: 1,
    tokens: 1500,
    seconds: 12,
    reason: "",
    ...over,
  });

  it("counts converged per class, calls per escalation and tokens per fix", () => {
    const results = [
      row({ fault: "a" }),
      row({ fault: "b", converged: false, ending: "give_up", apiCalls: 3, escalations: 1, tokens: 4500 }),
      row({ fault: "c", class: "transient", apiCalls: 0, escalations: 0, tokens: 0 }),
    ];
    const summary = summarize(results, 30);
    expect(summary.perClass).toEqual({
      configuration: { converged: 1, total: 2 },
      transient: { converged: 1, total: 1 },
      unfixable: { converged: 0, total: 0 },
    });
    expect(summary.callsPerEscalation).toBe(2);
    expect(summary.tokensPerFix).toBe(1500);
    const text = formatReport({
      version: 1,
      finishedAt: "2026-11-29T18:00:00Z",
      executor: "playbook",
      model: "none",
      results,
      summary,
    });
    expect(text).toContain("converged: configuration 1/2 (50%), transient 1/1 (100%)");
  });
});

describe("the last qualification, for status", () => {
  it("reads one line from ai/state/qualify.json, and nothing when there is none", async () => {
    const { mkdtemp, mkdir, writeFile, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { lastQualificationLine } = await import("./last.ts");
    const dir = await mkdtemp(join(tmpdir(), "qualify-last-"));
    try {
      expect(await lastQualificationLine(dir)).toBeUndefined();
      await mkdir(join(dir, "ai", "state"), { recursive: true });
      const summary = summarize([], 1);
      await writeFile(
        join(dir, "ai", "state", "qualify.json"),
        JSON.stringify({
          finishedAt: "2026-11-29T17:40:00.000Z",
          executor: "playbook",
          model: "none",
          summary: { ...summary, perClass: { ...summary.perClass, transient: { converged: 3, total: 3 } } },
        }),
      );
      expect(await lastQualificationLine(dir)).toBe(
        "last qualification (2026-11-29 17:40 UTC, executor playbook, model none): converged transient 3/3",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
