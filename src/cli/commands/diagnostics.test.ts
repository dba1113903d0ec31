import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runInProcess } from "../../../test/helpers/cli.ts";

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

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "diagnostics-cli-"));
  mkdirSync(join(root, "ai"));
  mkdirSync(join(root, "infrastructure", "talos"), { recursive: true });
  writeFileSync(join(root, "ai", "context_map.yaml"), CONTEXT_MAP);
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

let exitCode: number;
let stderr: string;

/** The command's standard output; its exit code and standard error land in `exitCode`, `stderr`. */
async function orchestrator(args: string[], cwd = root): Promise<string> {
  const result = await runInProcess(args, cwd);
  exitCode = result.code;
  stderr = result.stderr;
  return result.stdout;
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
    expect(exitCode).toBe(0);
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
    expect(exitCode).toBe(1);
  });

  it("refuses a read-only command the stage does not list, naming the stage's prefixes", async () => {
    expect(
      await orchestrator(["diagnostics", "check", "--stage", "talos", "--", "kubectl describe node x"]),
    ).toBe(
      `refused: "kubectl describe" does not match this stage's diagnostics: talosctl get, talosctl dmesg\n`,
    );
    expect(exitCode).toBe(1);
  });

  it("refuses an injection attempt sent as one string", async () => {
    expect(
      await orchestrator(["diagnostics", "check", "--stage", "talos", "--", "talosctl get members | sh"]),
    ).toBe("refused: pipes (|) are not allowed: diagnostics run without a shell\n");
  });

  it("names the known stages for an unknown one, as a usage error (exit 2)", async () => {
    await orchestrator(["diagnostics", "check", "--stage", "apps", "--", "kubectl get pods"]);
    expect(exitCode).toBe(2);
    expect(stderr).toBe('orchestrator: unknown stage "apps"; ai/context_map.yaml names: talos, infra\n');
  });

  it("asks for one quoted string when the command arrives as separate words", async () => {
    await orchestrator(["diagnostics", "check", "--stage", "talos", "--", "talosctl", "get", "members"]);
    expect(exitCode).toBe(2);
    expect(stderr).toContain("one quoted string");
  });

  it("without --stage is a usage error (exit 2) naming the option", async () => {
    expect(await orchestrator(["diagnostics", "check", "--", "talosctl get members"])).toBe("");
    expect(exitCode).toBe(2);
    expect(stderr).toContain("required option '--stage <stage>' not specified");
  });

  it("says to run init outside a homelab repo", async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), "not-a-repo-"));
    try {
      await orchestrator(
        ["diagnostics", "check", "--stage", "talos", "--", "talosctl get members"],
        elsewhere,
      );
      expect(exitCode).toBe(2);
      expect(stderr).toContain("orchestrator init");
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
