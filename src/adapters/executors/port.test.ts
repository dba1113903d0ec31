import { afterEach, describe, expect, it } from "vitest";
import { type LabFixture, startLabFixture } from "../../../lab/proxmox-server/lab-fixture.ts";
import { writeFakeCodex } from "../../../test/helpers/fake-codex.ts";
import { wireFixers } from "../../cli/wire-fixers.ts";
import { DEFAULT_SETTINGS, parseContextMap, type Settings } from "../../config/index.ts";
import type { FixRequest } from "../../core/fixers/index.ts";
import { Redactor } from "../../core/redaction/index.ts";
import { UserError } from "../../errors/index.ts";
import { EXAMPLE_CLUSTER_FILE } from "../../homelab/cluster-file/index.ts";
import { createPlaybookExecutor } from "../../homelab/playbooks/executor.ts";
import type { PlaybookFactSource } from "../../homelab/playbooks/index.ts";
import { FixMemory } from "../fix-memory/index.ts";
import { HOMELAB_FILES, makeHomelabRepo } from "../side-branch/homelab-repo.fixture.ts";
import { SideBranch } from "../side-branch/index.ts";
import { StateStore } from "../state-store/index.ts";
import { STORAGE_ERROR_LINE } from "./executor-test-kit.fixture.ts";
import { chooseExecutor } from "./index.ts";

const noFacts = {} as PlaybookFactSource;
const settings = (overrides: Partial<Settings>): Settings => ({ ...DEFAULT_SETTINGS, ...overrides });
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

describe("choosing an executor", () => {
  const deps = (env: NodeJS.ProcessEnv, overrides: Partial<Settings> = {}) => ({
    settings: settings(overrides),
    env,
    redactor: new Redactor(),
    packExecutors: { playbook: () => createPlaybookExecutor({ facts: noFacts }) },
  });

  it("auto takes codex when it is on PATH", async () => {
    const fake = writeFakeCodex({});
    expect((await chooseExecutor("auto", deps({ PATH: fake.dir })))?.kind).toBe("codex");
  });

  it("auto takes a configured local model when codex is missing, else the playbooks", async () => {
    const local = deps(
      { PATH: "/nonexistent" },
      { executorBaseUrl: "http://127.0.0.1:11434/v1", executorModel: "qwen2.5-coder" },
    );
    expect((await chooseExecutor("auto", local))?.kind).toBe("openai-compatible");
    expect((await chooseExecutor("auto", deps({ PATH: "/nonexistent" })))?.kind).toBe("playbook");
  });

  it("none means no executor at all", async () => {
    expect(await chooseExecutor("none", deps({}))).toBeUndefined();
  });

  it("says how to enable an executor named explicitly that is not usable", async () => {
    await expect(chooseExecutor("codex", deps({ PATH: "/nonexistent" }))).rejects.toThrow(
      new UserError(
        "EXECUTOR=codex is not available here: install the Codex CLI (npm install -g @openai/codex) so `codex` is on PATH",
      ),
    );
    await expect(chooseExecutor("command", deps({}))).rejects.toThrow(
      /EXECUTOR=command is not available here/,
    );
  });
});

describe("the wired fixers (the composition root)", () => {
  it("fixes a missing storage with the playbooks against the lab Proxmox, and remembers the fix for next time", async () => {
    const lab: LabFixture = await startLabFixture({
      storages: { local: ["iso", "backup"], "local-zfs": ["images"] },
    });
    cleanups.push(() => lab.close());
    const contextMapText =
      "version: 1\nstages:\n  vms:\n    command: ./vms.sh\n    files: [config/clusters/**]\n";
    const clusterText = EXAMPLE_CLUSTER_FILE.replace("https://pve.lan:8006/api2/json", lab.server.url);
    const repo = makeHomelabRepo({
      ...HOMELAB_FILES,
      "ai/context_map.yaml": contextMapText,
      "config/clusters/prox-n100.yaml": clusterText,
    });
    cleanups.push(() => repo.cleanup());
    const sideBranch = await SideBranch.open({ repoRoot: repo.root, branch: "ai/orchestrator-stage1" });
    const env = { PATH: "/nonexistent", PROXMOX_TOKEN_SECRET: lab.token.secret };
    const state = new StateStore(repo.root);
    const fixers = await wireFixers({
      repoRoot: repo.root,
      settings: settings({ executor: "playbook" }),
      contextMap: parseContextMap(contextMapText),
      sideBranch,
      state,
      env,
      signal: new AbortController().signal,
    });
    expect(fixers.executor?.name).toBe("playbook");
    const fingerprint = {
      template: "a1b2c3d4e5f60718",
      exact: "0f1e2d3c4b5a6978",
      lines: [STORAGE_ERROR_LINE],
      templates: [],
    };
    const request: FixRequest = {
      stage: "vms",
      fingerprint,
      logTail: `${STORAGE_ERROR_LINE}\n`,
      logFile: "ai/logs/vms/vms_20261125-170000_attempt1.log",
      exitCode: 1,
      checks: [],
      episode: { lastGreenCommit: undefined, history: [], executorNotes: undefined },
    };

    const done = await fixers.executor?.run(request);
    const fix = done?.outcome;
    expect(fix).toMatchObject({
      kind: "patched",
      source: "playbook",
      files: ["config/clusters/prox-n100.yaml"],
    });
    expect(done?.notes).toEqual({
      summary: expect.stringContaining(
        "proxmox-storage-missing: proxmox.storage: local-lvm does not exist on node pve; use local-zfs",
      ),
      filesOpened: ["config/clusters/prox-n100.yaml"],
    });
    expect(done?.apiRequests).toBe(0);
    // The one patch path journaled the commit.
    expect((await state.readJournal()).map((event) => event.type)).toEqual(["patch_applied"]);
    await fixers.memory.verified("vms", fingerprint, fix?.kind === "patched" ? fix.commit : "");
    const id = await fixers.memory.untriedFix("vms", fingerprint, []);
    expect((await new FixMemory(repo.root).list())[0]).toMatchObject({ id, source: "playbook" });
  });
});
