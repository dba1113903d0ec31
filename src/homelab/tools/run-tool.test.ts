import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { ProcessError, RuntimeFailure } from "../../errors/index.ts";
import { runTool, runToolOrThrow, ToolError } from "./run-tool.ts";

const options = { cwd: tmpdir(), env: process.env };

describe("runTool", () => {
  it("keeps stdout and stderr apart, and both in the order they came", async () => {
    // `flux check` reports "✔ all checks passed" on stderr, after its stdout
    const run = await runTool(
      ["bash", "-c", "echo '► checking prerequisites'; echo '✔ all checks passed' >&2"],
      options,
    );
    expect(run).toMatchObject({
      exitCode: 0,
      stdout: "► checking prerequisites\n",
      stderr: "✔ all checks passed\n",
      interleaved: "► checking prerequisites\n✔ all checks passed\n",
    });
  });

  it("reports a missing CLI as exit 127 with a line naming it", async () => {
    const run = await runTool(["talosctl-not-installed-xyz", "version"], options);
    expect(run.exitCode).toBe(127);
    expect(run.stderr).toBe("talosctl-not-installed-xyz: command not found on PATH\n");
  });

  it("ends a CLI that does not finish in time and says so", async () => {
    const run = await runTool(["sleep", "30"], { ...options, timeoutMs: 200 });
    expect(run.timedOut).toBe(true);
    expect(run.stderr).toMatch(/sleep: killed after 0s without finishing/);
  });
});

describe("runToolOrThrow", () => {
  it("throws a ToolError whose message is the tool's last error lines, a runtime failure (exit 1)", async () => {
    const failure = runToolOrThrow(
      [
        "bash",
        "-c",
        "echo 'some output'; echo '1 error occurred:' >&2; echo '* connection refused' >&2; exit 1",
      ],
      options,
    );
    await expect(failure).rejects.toBeInstanceOf(ToolError);
    const error = (await failure.catch((caught: unknown) => caught)) as ToolError;
    expect(error.message).toBe("1 error occurred: * connection refused");
    expect(error).toBeInstanceOf(ProcessError);
    expect(error).toBeInstanceOf(RuntimeFailure);
    expect(error.exitCode).toBe(1);
    expect(error.processExitCode).toBe(1);
    expect(error.output).toBe("some output\n1 error occurred:\n* connection refused\n");
  });
});
