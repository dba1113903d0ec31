import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runInProcess } from "../../../test/helpers/cli.ts";
import { type HomelabRepo, makeHomelabRepo } from "../../adapters/side-branch/homelab-repo.fixture.ts";

const ENTRY = {
  id: "3f9a1c0de2b4",
  stage: "vms",
  fingerprints: [{ template: "a1b2c3d4e5f60718", exact: "0f1e2d3c4b5a6978" }],
  patch: "--- a/config/clusters/prox-n100.yaml\n+++ b/config/clusters/prox-n100.yaml\n",
  files: ["config/clusters/prox-n100.yaml"],
  fileHashes: { "config/clusters/prox-n100.yaml": "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391" },
  source: "playbook",
  commit: "0123456789abcdef0123456789abcdef01234567",
  summary: "use local-zfs",
  createdAt: "2026-11-25T17:00:00.000Z",
  successes: 2,
  failures: 1,
  retired: false,
};

let repo: HomelabRepo;
beforeEach(() => {
  repo = makeHomelabRepo();
});
afterEach(() => {
  repo.cleanup();
});

async function run(...args: string[]): Promise<string> {
  const result = await runInProcess(args, repo.root);
  if (result.code !== 0) {
    throw new Error(`exit ${result.code}: ${result.stderr}`);
  }
  return result.stdout;
}

function writeFixes(fixes: unknown[]) {
  mkdirSync(join(repo.root, "ai/state"), { recursive: true });
  writeFileSync(join(repo.root, "ai/state/fixes.json"), JSON.stringify({ version: 1, fixes }));
}

describe("orchestrator fixes", () => {
  it("says when nothing is remembered yet", async () => {
    expect(await run("fixes")).toBe(
      "no remembered fixes yet: a patch that turns a stage green is remembered here\n",
    );
  });

  it("lists each remembered fix with its stage, record and files", async () => {
    writeFixes([ENTRY]);
    expect(await run("fixes")).toBe(
      "3f9a1c0de2b4  vms  active  worked 2x, failed 1x  from playbook  config/clusters/prox-n100.yaml\n" +
        "    use local-zfs; fingerprints a1b2c3d4e5f60718\n",
    );
  });

  it("prints the memory as JSON", async () => {
    writeFixes([ENTRY]);
    expect(JSON.parse(await run("fixes", "--json"))).toEqual({ version: 1, fixes: [ENTRY] });
  });

  it("forgets a fix by a prefix of its id", async () => {
    writeFixes([ENTRY]);
    expect(await run("fixes", "forget", "3f9a")).toBe("forgot 3f9a1c0de2b4 (vms: use local-zfs)\n");
    expect(JSON.parse(await run("fixes", "--json")).fixes).toEqual([]);
  });

  it("refuses to forget an id it does not know: one line, exit 2", async () => {
    writeFixes([ENTRY]);
    const result = await runInProcess(["fixes", "forget", "ffff"], repo.root);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^orchestrator: [^\n]*ffff[^\n]*\n$/);
  });
});
