import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCorpus } from "../../../bench/edits-corpus.ts";
import { GIT_ENV, makeHomelabRepo } from "../../../test/helpers/homelab-repo.ts";
import { guardRulesFrom } from "../../core/patch-guard/index.ts";
import { git } from "../git/index.ts";
import { checkDiff } from "../side-branch/index.ts";
import { fileAtRef, resolveEdit } from "./index.ts";

// Tests never see the developer's git configuration.
Object.assign(process.env, GIT_ENV);

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) {
    rmSync(root, { recursive: true, force: true });
  }
});

/** The tip reader the side branch offers: `git cat-file blob HEAD:path`, undefined when absent. */
function tipReader(root: string) {
  return async (path: string) => {
    const result = await git(["cat-file", "blob", `HEAD:${path}`], { cwd: root, allowFailure: true });
    return result.exitCode === 0 ? result.stdout : undefined;
  };
}

const RULES = guardRulesFrom({ protected: [], secrets: [] }, { patchMaxFiles: 5, patchMaxLines: 80 });
const corpus = loadCorpus();
const applied = corpus.filter((one) => "applied" in one.expect);

describe("resolveEdit against a real git repo", () => {
  it.each(applied.map((one) => [one.name, one] as const))(
    "%s: the canonical diff passes the patch guard and git apply, and git writes exactly the expected files",
    async (_name, one) => {
      // A file in talos/ so that a new talos/... file adds no top-level folder.
      const root = makeHomelabRepo({ "talos/README.md": "Talos configuration\n", ...one.files });
      roots.push(root);
      const result = await resolveEdit(one.edit, tipReader(root));
      expect(result.ok ? "" : result.reasons.join("\n")).toBe("");
      if (!result.ok || !("applied" in one.expect)) {
        return;
      }
      expect(await checkDiff(root, "HEAD", result.diff, RULES, root)).toMatchObject({ verdict: "accepted" });
      await git(["apply", "--index", "-p1", "-"], { cwd: root, input: result.diff });
      for (const [path, expected] of Object.entries(one.expect.applied)) {
        if (expected === null) {
          expect(() => readFileSync(join(root, path))).toThrow(/ENOENT/);
        } else {
          expect(readFileSync(join(root, path), "utf8")).toBe(expected);
        }
      }
    },
  );

  it("reads nothing and refuses, with the guard's own words, an edit whose path leaves the repository", async () => {
    const read: string[] = [];
    const result = await resolveEdit(
      corpus.find((one) => one.name === "80-hostile-path-traversal")?.edit ?? "",
      async (path) => {
        read.push(path);
        return undefined;
      },
    );
    expect(read).toEqual([]);
    expect(result).toMatchObject({
      ok: false,
      reasons: [expect.stringContaining('contains "..", which could leave the repository')],
    });
  });
});

describe("fileAtRef", () => {
  it("reads a file, says a missing file or a folder is absent, and fails loudly on a ref that does not exist", async () => {
    const root = makeHomelabRepo({ "config/cluster.yaml": "node: pve\n" });
    roots.push(root);
    expect(await fileAtRef(root, "HEAD")("config/cluster.yaml")).toBe("node: pve\n");
    expect(await fileAtRef(root, "HEAD")("config/missing.yaml")).toBeUndefined();
    expect(await fileAtRef(root, "HEAD")("config")).toBeUndefined();
    await expect(fileAtRef(root, "refs/heads/nope")("config/cluster.yaml")).rejects.toThrow(
      /cannot read config\/cluster\.yaml at refs\/heads\/nope: .*invalid object name/,
    );
  });
});
