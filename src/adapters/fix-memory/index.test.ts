import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HOMELAB_RULES, type HomelabRepo, makeHomelabRepo } from "../side-branch/homelab-repo.fixture.ts";
import { type LandPatchDeps, SideBranch } from "../side-branch/index.ts";
import { StateStore } from "../state-store/index.ts";
import { FixMemory, rememberHumanFix } from "./index.ts";

const CLUSTER = "config/clusters/prox-n100.yaml";
const FP = { template: "a1b2c3d4e5f60718", exact: "0f1e2d3c4b5a6978" };
const repos: HomelabRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) {
    repo.cleanup();
  }
});

/** A repo whose AI branch has one committed fix: storage local-lvm → local-zfs. */
async function withFix() {
  const repo = makeHomelabRepo();
  repos.push(repo);
  const sideBranch = await SideBranch.open({ repoRoot: repo.root, branch: "ai/orchestrator-stage1" });
  const path = join(sideBranch.worktree, CLUSTER);
  const broken = readFileSync(path, "utf8");
  writeFileSync(path, broken.replace("storage: local-lvm", "storage: local-zfs"));
  const diff = await sideBranch.harvest();
  await sideBranch.discardChanges();
  const meta = { stage: "vms", summary: "use local-zfs", fingerprint: FP.template, source: "playbook" };
  const applied = await sideBranch.apply(diff, meta, HOMELAB_RULES);
  if (applied.status !== "applied") {
    throw new Error(applied.reasons.join("; "));
  }
  const memory = new FixMemory(repo.root);
  const commitIn = (text: string, message: string) => {
    writeFileSync(path, text);
    repo.run(["commit", "-qam", message], sideBranch.worktree);
  };
  const state = new StateStore(repo.root);
  const land: LandPatchDeps = {
    repoRoot: repo.root,
    sideBranch,
    rules: HOMELAB_RULES,
    journal: (event) => state.journal(event),
  };
  return { repo, sideBranch, memory, commit: applied.commit, broken, commitIn, path, land, state };
}

describe("fix memory", () => {
  it("remembers a verified fix with its patch, files, file hashes and source", async () => {
    const { memory, commit, repo } = await withFix();
    const entry = await memory.remember("vms", FP, commit);
    expect(entry).toMatchObject({
      stage: "vms",
      fingerprints: [FP],
      files: [CLUSTER],
      source: "playbook",
      summary: "use local-zfs",
      successes: 1,
      failures: 0,
      retired: false,
    });
    expect(entry.patch).toContain("+  storage: local-zfs");
    expect(entry.fileHashes[CLUSTER]).toBe(repo.run(["rev-parse", `${commit}:${CLUSTER}`]).trim());
    const file = JSON.parse(readFileSync(join(repo.root, "ai/state/fixes.json"), "utf8"));
    expect(file.version).toBe(1);
    expect(file.fixes).toHaveLength(1);
  });

  it("offers a fix for the same template or exact fingerprint, once per episode", async () => {
    const { memory, commit } = await withFix();
    const { id } = await memory.remember("vms", FP, commit);
    expect(await memory.untriedFix("vms", FP, [])).toBe(id);
    expect(await memory.untriedFix("vms", { template: FP.template, exact: "other" }, [])).toBe(id);
    expect(await memory.untriedFix("vms", { template: "other", exact: FP.exact }, [])).toBe(id);
    expect(await memory.untriedFix("vms", FP, [id])).toBeUndefined();
    expect(await memory.untriedFix("talos", FP, [])).toBeUndefined();
    expect(await memory.untriedFix("vms", { template: "x", exact: "y" }, [])).toBeUndefined();
  });

  it("replays a remembered fix with Source: memory when the fault is back", async () => {
    const { memory, commit, broken, commitIn, repo, land } = await withFix();
    const { id } = await memory.remember("vms", FP, commit);
    commitIn(broken, "back to local-lvm");
    const result = await memory.replay(id, land, FP);
    expect(result).toMatchObject({ kind: "patched", source: "memory", files: [CLUSTER] });
    expect(
      repo.run(["log", "-1", "--format=%(trailers:key=Source,valueonly)", "ai/orchestrator-stage1"]).trim(),
    ).toBe("memory");
    expect(await memory.remember("vms", FP, result.kind === "patched" ? result.commit : "")).toMatchObject({
      id,
      successes: 2,
    });
    expect(await memory.list()).toHaveLength(1);
  });

  it("skips a stale fix that no longer applies, changing nothing", async () => {
    const { memory, commit, sideBranch, broken, commitIn, land } = await withFix();
    const { id } = await memory.remember("vms", FP, commit);
    commitIn(
      broken.replace("storage: local-lvm", "storage: ceph-pool").replace("bridge: vmbr0", "bridge: vmbr1"),
      "storage moved",
    );
    const tip = await sideBranch.headCommit();
    const result = await memory.replay(id, land, FP);
    expect(result.kind).toBe("no_change");
    expect(result.kind === "no_change" && result.summary).toMatch(
      /^stale: no longer applies \(hunk 1 of config\/clusters\/prox-n100\.yaml: its 6 unchanged\/removed line\(s\) are not in/,
    );
    expect(await sideBranch.headCommit()).toBe(tip);
  });

  it("still replays a fix whose neighbouring lines changed since, merged onto today's file", async () => {
    const { memory, commit, broken, commitIn, path, land } = await withFix();
    const { id } = await memory.remember("vms", FP, commit);
    // the fault is back, and the line next to it (another fault's fix) differs from when the fix was made
    commitIn(
      broken.replace("version: v1.9.5", "version: v1.9.6"),
      "storage back to local-lvm, Talos upgraded",
    );
    const result = await memory.replay(id, land, FP);
    expect(result.kind).toBe("patched");
    const fixed = readFileSync(path, "utf8");
    expect(fixed).toContain("storage: local-zfs");
    expect(fixed).toContain("version: v1.9.6");
  });

  it("stays stale when the line right next to the fix changed, which git will not merge", async () => {
    const { memory, commit, broken, commitIn, land } = await withFix();
    const { id } = await memory.remember("vms", FP, commit);
    commitIn(broken.replace("bridge: vmbr0", "bridge: vmbr1"), "bridge renamed next to the storage line");
    expect((await memory.replay(id, land, FP)).kind).toBe("no_change");
  });

  it("says a fix is already in place instead of applying it twice", async () => {
    const { memory, commit, land } = await withFix();
    const { id } = await memory.remember("vms", FP, commit);
    expect(await memory.replay(id, land, FP)).toEqual({
      kind: "no_change",
      summary: `remembered fix ${id} is already in place: its files match`,
    });
  });

  it("demotes a replay that did not help and retires the fix after three", async () => {
    const { memory, commit } = await withFix();
    const { id } = await memory.remember("vms", FP, commit);
    expect(await memory.demote(id)).toMatchObject({ failures: 1, retired: false });
    expect(await memory.untriedFix("vms", FP, [])).toBe(id);
    await memory.demote(id);
    expect(await memory.demote(id)).toMatchObject({ failures: 3, retired: true });
    expect(await memory.untriedFix("vms", FP, [])).toBeUndefined();
  });

  it("forgets a fix by a unique prefix of its id, and refuses an unknown one", async () => {
    const { memory, commit } = await withFix();
    const { id } = await memory.remember("vms", FP, commit);
    await expect(memory.forget("zzzz")).rejects.toThrow(
      'no remembered fix "zzzz"; "orchestrator fixes" lists them',
    );
    expect((await memory.forget(id.slice(0, 6))).id).toBe(id);
    expect(await memory.list()).toEqual([]);
  });

  it("keeps unknown fields and drops unreadable entries when reading the file", async () => {
    const { memory, commit, repo } = await withFix();
    await memory.remember("vms", FP, commit);
    const path = join(repo.root, "ai/state/fixes.json");
    const file = JSON.parse(readFileSync(path, "utf8"));
    file.writtenBy = "a newer orchestrator";
    file.fixes.push({ id: "broken" });
    writeFileSync(path, JSON.stringify(file));
    expect(await memory.list()).toHaveLength(1);
    expect(memory.warnings).toEqual(["ai/state/fixes.json: dropped an unreadable entry"]);
    await memory.demote((await memory.list())[0]?.id ?? "");
    expect(JSON.parse(readFileSync(path, "utf8")).writtenBy).toBe("a newer orchestrator");
  });

  it("remembers the human's own commits after a give_up, limited to the stage's files", async () => {
    const { repo, sideBranch, memory } = await withFix();
    const since = await sideBranch.headCommit();
    repo.write(
      CLUSTER,
      readFileSync(join(repo.root, CLUSTER), "utf8").replace("bridge: vmbr0", "bridge: vmbr1"),
    );
    repo.write("README.md", "notes\n");
    repo.write("talos/talconfig.yaml", "clusterName: prox-n100\ntalosVersion: v1.9.6\n");
    repo.run(["add", "-A"]);
    repo.run(["commit", "-qm", "fix the bridge by hand"]);
    const entry = await rememberHumanFix(memory, {
      stage: "vms",
      fingerprint: FP,
      sinceCommit: since,
      stageFiles: ["config/clusters/**"],
      secretGlobs: [],
    });
    expect(entry).toMatchObject({ source: "human", files: [CLUSTER], fingerprints: [FP] });
    expect(entry?.patch).toContain("+  bridge: vmbr1");
    expect(entry?.patch).not.toContain("README");
  });
});
