import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runInProcess, testEnv } from "../../test/helpers/cli.ts";
import { contextMap, git, makeHomelabRepo } from "../../test/helpers/homelab-repo.ts";

const SETTINGS = "  executor_retry_threshold: 1\n  api_call_budget: 0";

describe("--reset", () => {
  it("all --reset resets only the stages that are not green, and says which stay green", async () => {
    const root = makeHomelabRepo({
      "ai/context_map.yaml": contextMap(
        `  ok:\n    command: "true"\n  bad:\n    command: "echo 'Error: no bridge vmbr1' >&2; exit 1"`,
        SETTINGS,
      ),
    });
    expect((await runInProcess(["all"], root, { env: testEnv() })).code).toBe(1);
    const reset = await runInProcess(["all", "--reset"], root, { env: testEnv() });
    expect(reset.code).toBe(0);
    expect(reset.stdout).toBe("all: reset bad to idle; ok stay green\n");
    const status = JSON.parse(
      (await runInProcess(["status", "--json"], root, { env: testEnv() })).stdout,
    ) as {
      stages: { stage: string; status: string }[];
    };
    expect(status.stages.map((row) => [row.stage, row.status])).toEqual([
      ["ok", "green"],
      ["bad", "idle"],
    ]);
    const again = await runInProcess(["ok", "--reset"], root, { env: testEnv() });
    expect(again.stdout).toBe("ok: reset to idle\n");
  });

  it("says when the human's fix after a give_up touched a secret file, which is never remembered", async () => {
    const root = makeHomelabRepo({
      "ai/context_map.yaml": `version: 1
settings:
${SETTINGS}
secrets: ["config/lab.secret.env"]
stages:
  vms:
    command: "test -f config/fixed || { echo 'Error: token rejected' >&2; exit 1; }"
    files: ["config/**"]
`,
      "config/lab.secret.env": "TOKEN=old\n",
    });
    expect((await runInProcess(["vms"], root, { env: testEnv() })).code).toBe(1);
    writeFileSync(join(root, "config/lab.secret.env"), "TOKEN=new\n");
    writeFileSync(join(root, "config/fixed"), "yes\n");
    git(root, "add", "-A");
    git(root, "commit", "-qm", "fix the token");
    const reset = await runInProcess(["vms", "--reset"], root, { env: testEnv() });
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain(
      "vms: your fix changed config/lab.secret.env, which is a secret file (secrets: in ai/context_map.yaml or built in): never remembered as part of a fix",
    );
    expect(reset.stdout).toContain("vms: reset to idle\n");
  });
});
