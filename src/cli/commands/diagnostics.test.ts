import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type CapturedStdout, captureStdout } from "../../../test/helpers/stdout-capture.ts";
import { registerDiagnosticsCommands } from "./diagnostics.ts";

const CONTEXT_MAP = `version: 1
stages:
  talos:
    command: ./infrastructure/talos/bootstrap.sh
    diagnostics: ["talosctl get", "talosctl dmesg"]
  infra:
    needs: [talos]
    command: flux check
    diagnostics: ["flux get", "kubectl get", "kubectl -n flux-system get events"]
`;

let root: string;
let stdout: CapturedStdout;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "diagnostics-cli-"));
  mkdirSync(join(root, "ai"));
  mkdirSync(join(root, "infrastructure", "talos"), { recursive: true });
  writeFileSync(join(root, "ai", "context_map.yaml"), CONTEXT_MAP);
  stdout = captureStdout();
});

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  rmSync(root, { recursive: true, force: true });
});

async function orchestrator(args: string[], cwd = root): Promise<string> {
  const program = new Command("orchestrator").exitOverride();
  registerDiagnosticsCommands(program, { cwd: () => cwd });
  await program.parseAsync(args, { from: "user" });
  return stdout.text();
}

describe("orchestrator diagnostics check", () => {
  it("prints allowed and exits 0 for a read-only command under the stage's prefixes", async () => {
    expect(
      await orchestrator([
        "diagnostics",
        "check",
        "--stage",
        "talos",
        "--",
        "talosctl -n 10.0.0.11 get members",
      ]),
    ).toBe("allowed\n");
    expect(process.exitCode).toBeUndefined();
  });

  it("finds the repo from a folder inside it", async () => {
    const inside = join(root, "infrastructure", "talos");
    expect(
      await orchestrator(["diagnostics", "check", "--stage", "infra", "--", "flux get ks -A"], inside),
    ).toBe("allowed\n");
  });

  it("prints refused with the reason and exits 1 for a command the policy forbids", async () => {
    expect(
      await orchestrator(["diagnostics", "check", "--stage", "infra", "--", "kubectl delete ns flux-system"]),
    ).toBe("refused: kubectl delete is not read-only\n");
    expect(process.exitCode).toBe(1);
  });

  it("refuses a read-only command the stage does not list, naming the stage's prefixes", async () => {
    expect(
      await orchestrator(["diagnostics", "check", "--stage", "talos", "--", "kubectl describe node x"]),
    ).toBe(
      `refused: "kubectl describe" does not match this stage's diagnostics: talosctl get, talosctl dmesg\n`,
    );
    expect(process.exitCode).toBe(1);
  });

  it("refuses an injection attempt sent as one string", async () => {
    expect(
      await orchestrator(["diagnostics", "check", "--stage", "talos", "--", "talosctl get members | sh"]),
    ).toBe("refused: pipes (|) are not allowed: diagnostics run without a shell\n");
  });

  it("names the known stages for an unknown one, as a user error", async () => {
    await expect(
      orchestrator(["diagnostics", "check", "--stage", "apps", "--", "kubectl get pods"]),
    ).rejects.toMatchObject({ name: "UserError", message: expect.stringContaining('unknown stage "apps"') });
  });

  it("asks for one quoted string when the command arrives as separate words", async () => {
    await expect(
      orchestrator(["diagnostics", "check", "--stage", "talos", "--", "talosctl", "get", "members"]),
    ).rejects.toMatchObject({ name: "UserError", message: expect.stringContaining("one quoted string") });
  });

  it("says to run init outside a homelab repo", async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), "not-a-repo-"));
    try {
      await expect(
        orchestrator(["diagnostics", "check", "--stage", "talos", "--", "talosctl get members"], elsewhere),
      ).rejects.toMatchObject({ name: "UserError", message: expect.stringContaining("orchestrator init") });
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
