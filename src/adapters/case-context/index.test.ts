import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { git, makeHomelabRepo } from "../../../test/helpers/homelab-repo.ts";
import { git as gitIn } from "../git/index.ts";
import { gatherCaseContext } from "./index.ts";

const TALSECRET =
  "secrets:\n  bootstraptoken: 4bm3j1.x8fa0kwcd0rsgd2l\n  secretboxencryptionsecret: Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eA==\n";
const KUBECONFIG_KEY = "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCk1IY0NBUUVFSUtzZWNyZXRzZWNyZXQ=";

let repo: string;

function write(path: string, content: string | Buffer): void {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), content);
}

beforeEach(() => {
  repo = makeHomelabRepo(
    {
      "talos/talconfig.yaml": "clusterName: home\ntalosVersion: v1.11.5\n",
      "talos/talsecret.sops.yaml": TALSECRET,
      "talos/patches/install.yaml": "machine:\n  install:\n    disk: /dev/sda\n",
      kubeconfig: `users:\n- name: admin\n  user:\n    client-key-data: ${KUBECONFIG_KEY}\n`,
      "config/clusters/home.yaml": "cluster:\n  name: home\n",
      "README.md": "# Homelab\n",
      "ai/master_memo.md":
        "# Memo\n\n## Proxmox\n\nOne node.\n\n## Talos\n\nISO version is the contract.\n\n### Disks\n\nvirtio-scsi.\n\n## Flux\n\nGitOps.\n",
    },
    { message: "green" },
  );
});

afterEach(() => {
  rmSync(repo, { recursive: true, force: true });
});

describe("gatherCaseContext", () => {
  it("reads the stage's files and never reads a secret file, listing it as skipped", async () => {
    const context = await gatherCaseContext({
      worktree: repo,
      worktreeGit: (args, opts) => gitIn(args, { ...opts, cwd: repo }),
      stageSpec: { files: ["talos/**", "kubeconfig"], memo_sections: [] },
      secretGlobs: [],
      memoText: undefined,
      logTail: "",
    });
    expect(context.files.map((file) => file.path)).toEqual([
      "talos/patches/install.yaml",
      "talos/talconfig.yaml",
    ]);
    expect(context.files[1]).toEqual({
      path: "talos/talconfig.yaml",
      content: "clusterName: home\ntalosVersion: v1.11.5\n",
      reason: "matches files glob talos/**",
    });
    expect(context.skipped).toEqual([
      { path: "kubeconfig", reason: "secret (matches a secrets glob), never read" },
      { path: "talos/talsecret.sops.yaml", reason: "secret (matches a secrets glob), never read" },
    ]);
    const everything = JSON.stringify(context);
    expect(everything).not.toContain("4bm3j1.x8fa0kwcd0rsgd2l");
    expect(everything).not.toContain(KUBECONFIG_KEY);
  });

  it("honours the context map's own secret globs", async () => {
    const context = await gatherCaseContext({
      worktree: repo,
      worktreeGit: (args, opts) => gitIn(args, { ...opts, cwd: repo }),
      stageSpec: { files: ["config/**"], memo_sections: [] },
      secretGlobs: ["config/clusters/*.yaml"],
      memoText: undefined,
      logTail: "",
    });
    expect(context.files).toEqual([]);
    expect(context.skipped).toEqual([
      { path: "config/clusters/home.yaml", reason: "secret (matches a secrets glob), never read" },
    ]);
  });

  it("adds files the log mentions, and skips symlinks, binary and huge files saying why", async () => {
    symlinkSync("/etc/hostname", join(repo, "talos/hostname-link.yaml"));
    write("talos/schematic.bin", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]));
    write("talos/huge.yaml", "x: 1\n".repeat(100_000));
    const context = await gatherCaseContext({
      worktree: repo,
      worktreeGit: (args, opts) => gitIn(args, { ...opts, cwd: repo }),
      stageSpec: { files: ["talos/*"], memo_sections: [] },
      secretGlobs: [],
      memoText: undefined,
      logTail: "error: validating ./config/clusters/home.yaml: unknown key\n",
      maxFileBytes: 64 * 1024,
    });
    // `talos/*` matches the folder talos/patches too, and a matched folder covers what is in it
    // (the gitignore meaning every glob in the tool shares).
    expect(context.files.map((file) => [file.path, file.reason])).toEqual([
      ["config/clusters/home.yaml", "the log mentions it"],
      ["talos/patches/install.yaml", "matches files glob talos/*"],
      ["talos/talconfig.yaml", "matches files glob talos/*"],
    ]);
    expect(context.skipped).toEqual([
      { path: "talos/hostname-link.yaml", reason: "a symlink, not followed" },
      { path: "talos/huge.yaml", reason: "too big (489 KiB; files over 64 KiB are skipped)" },
      { path: "talos/schematic.bin", reason: "binary" },
      { path: "talos/talsecret.sops.yaml", reason: "secret (matches a secrets glob), never read" },
    ]);
  });

  it("quotes the memo sections the stage names and says which do not exist", async () => {
    const context = await gatherCaseContext({
      worktree: repo,
      worktreeGit: (args, opts) => gitIn(args, { ...opts, cwd: repo }),
      stageSpec: { files: [], memo_sections: ["talos", "Cilium"] },
      secretGlobs: [],
      memoText:
        "# Memo\n\n## Talos\n\nISO version is the contract.\n\n### Disks\n\nvirtio-scsi.\n\n## Flux\n\nGitOps.\n",
      logTail: "",
    });
    expect(context.memoSections).toEqual([
      { heading: "Talos", text: "ISO version is the contract.\n\n### Disks\n\nvirtio-scsi." },
    ]);
    expect(context.skipped).toEqual([{ path: "ai/master_memo.md", reason: 'has no section named "Cilium"' }]);
  });

  it("shows what changed since the last green commit, without the diff of a secret file", async () => {
    const green = git(repo, "rev-parse", "HEAD");
    write("talos/talconfig.yaml", "clusterName: home\ntalosVersion: v1.12.0\n");
    write("talos/talsecret.sops.yaml", TALSECRET.replace("4bm3j1", "9zz9zz"));
    git(repo, "commit", "-q", "-am", "bump talos");
    write("config/clusters/home.yaml", "cluster:\n  name: home-lab\n");
    const context = await gatherCaseContext({
      worktree: repo,
      worktreeGit: (args, opts) => gitIn(args, { ...opts, cwd: repo }),
      stageSpec: { files: [], memo_sections: [] },
      secretGlobs: [],
      memoText: undefined,
      lastGreenCommit: green,
      logTail: "",
    });
    expect(context.changesSinceGreen?.since).toBe(green);
    expect(context.changesSinceGreen?.stat).toContain("talos/talconfig.yaml");
    expect(context.changesSinceGreen?.stat).toContain("config/clusters/home.yaml");
    expect(context.changesSinceGreen?.hunks).toContain("+talosVersion: v1.12.0");
    expect(context.changesSinceGreen?.hunks).toContain("+  name: home-lab");
    expect(context.changesSinceGreen?.hunks).not.toContain("bootstraptoken");
    expect(context.skipped).toEqual([
      { path: "talos/talsecret.sops.yaml", reason: "its change since green is not shown: secret file" },
    ]);
  });

  it("says so when the last green commit is unknown", async () => {
    const context = await gatherCaseContext({
      worktree: repo,
      worktreeGit: (args, opts) => gitIn(args, { ...opts, cwd: repo }),
      stageSpec: { files: [], memo_sections: [] },
      secretGlobs: [],
      memoText: undefined,
      lastGreenCommit: "0123456789abcdef0123456789abcdef01234567",
      logTail: "",
    });
    expect(context.changesSinceGreen).toBeUndefined();
    expect(context.skipped).toEqual([
      {
        path: "changes since 0123456789abcdef0123456789abcdef01234567",
        reason: "that commit is not in this repository",
      },
    ]);
  });
});
