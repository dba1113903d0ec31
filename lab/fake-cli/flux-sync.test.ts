import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { updateWorld } from "../world/index.ts";
import { type FluxLab, git, startFluxLab } from "./flux-lab.fixture.ts";
import { viewOf } from "./index.ts";

/** The lab's Flux syncs a real repository: bootstrap's clone and push, the artifact revision. */

let lab: FluxLab;

beforeAll(async () => {
  lab = await startFluxLab();
});

afterAll(async () => {
  await lab.close();
});

beforeEach(() => {
  // Every test starts from the green tree at a new commit.
  lab.resetToGreen();
});

describe("flux bootstrap git against a real repository", () => {
  it("pushes nothing when the flux-system manifests are already there, and reports the commit it synced", () => {
    const head = git(lab.work, "rev-parse", "HEAD");
    const result = lab.bootstrap();
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("✔ component manifests are up to date\n");
    expect(result.stderr).toContain("✔ sync manifests are up to date\n");
    expect(git(lab.bare, "rev-parse", "main")).toBe(head);
    expect(lab.row("ks", "flux-system")).toContain(`main@sha1:${head}`);
  });

  it("commits and pushes the flux-system manifests a repository lacks", async () => {
    const other = join(lab.dir, "fresh.git");
    git(lab.dir, "init", "-q", "--bare", "--initial-branch=main", other);
    const seed = join(lab.dir, "fresh-work");
    git(lab.dir, "clone", "-q", other, seed);
    writeFileSync(join(seed, "README.md"), "home-ops\n");
    git(seed, "add", "-A");
    git(seed, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init");
    git(seed, "push", "-q", "origin", "HEAD:main");
    const result = lab.bootstrap(other);
    expect(result.stderr).toMatch(/✔ committed component manifests to "main"/);
    expect(git(other, "log", "--format=%s", "main")).toBe(
      "Add Flux sync manifests\nAdd Flux v2.7.5 component manifests\ninit",
    );
    expect(lab.bootstrap().code).toBe(0); // back to the main fixture
  });

  it("fails with flux's clone error when the repository does not exist", () => {
    const missing = join(lab.dir, "nowhere.git");
    const result = lab.bootstrap(missing);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `✗ failed to clone repository: unable to clone: repository not found: git repository: '${missing}'`,
    );
    expect(lab.bootstrap().code).toBe(0);
  });

  it("refuses a git:// source as flux does: only http, https and ssh", () => {
    const url = "git://127.0.0.1:9418/home-ops.git";
    const result = lab.bootstrap(url);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('✗ scheme "git" is not supported\n');
  });
});

describe("the artifact revision", () => {
  it("follows a new commit after reconcile --with-source, and not before", () => {
    updateWorld(lab.worldFile, (world) => {
      const view = viewOf(world);
      view.kubernetes.flux.timeScale = 0; // the interval never passes by itself
      view.store();
    });
    lab.resync();
    const before = git(lab.work, "rev-parse", "HEAD");
    const after = lab.push({ "kubernetes/apps/default/echo/app/note.txt": "x\n" });
    expect(lab.row("ks", "cluster-apps")).toContain(before);
    const result = lab.resync();
    expect(result.stderr).toContain(`✔ fetched revision main@sha1:${after}\n`);
    expect(lab.row("ks", "cluster-apps")).toContain(after);
  });

  it("keeps the last artifact when a fetch fails, and says why on stderr", () => {
    lab.resync();
    const head = git(lab.work, "rev-parse", "HEAD");
    renameSync(lab.bare, `${lab.bare}.away`);
    try {
      const result = lab.run("flux", "reconcile", "source", "git", "flux-system");
      expect(result).toEqual({
        code: 1,
        stdout: "",
        stderr: `► annotating GitRepository flux-system in flux-system namespace\n✔ GitRepository annotated\n◎ waiting for GitRepository reconciliation\n✗ failed to checkout and determine revision: unable to clone: repository not found: git repository: '${lab.bare}'\n`,
      });
      expect(lab.row("ks", "echo")).toContain(`\tTrue\tApplied revision: main@sha1:${head}`);
    } finally {
      renameSync(`${lab.bare}.away`, lab.bare);
    }
    expect(lab.run("flux", "reconcile", "source", "git", "flux-system").stderr).toContain(
      `✔ fetched revision main@sha1:${head}\n`,
    );
  });

  it("follows a new commit once the GitRepository's interval has passed", () => {
    const after = lab.push({ "kubernetes/apps/default/echo/app/note.txt": "y\n" });
    expect(lab.row("ks", "echo")).not.toContain(after);
    updateWorld(lab.worldFile, (world) => {
      const view = viewOf(world);
      view.kubernetes.flux.timeScale = 1;
      view.kubernetes.flux.fetchedAt = Date.now() - 61_000; // gotk-sync.yaml: interval 1m0s
      view.store();
    });
    expect(view().kubernetes.flux.intervalMs).toBe(60_000);
    expect(lab.row("ks", "echo")).toContain(after);
  });
});

function view() {
  let snapshot: ReturnType<typeof viewOf> | undefined;
  updateWorld(lab.worldFile, (world) => {
    snapshot = viewOf(world);
  });
  return snapshot!;
}
