import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LAB_FLUX_TREE } from "../../../lab/sandbox/flux-tree.ts";
import { writeRepoFiles } from "../../../lab/sandbox/publish.ts";
import { FAULTS, type RepoFiles } from "../../qualify/faults.ts";
import { type PlaybookRun, runPlaybooks } from "./index.ts";
import type { PlaybookFactSource } from "./types.ts";

/**
 * Test fixture for the Flux-tree playbooks: the lab's Flux tree (cluster-template's layout) in a
 * temporary folder, with one fault of the qualification library planted, and `runPlaybooks` on it
 * with the error text the lab's Flux printed for that fault.
 */

const notAsked = () => Promise.reject(new Error("the Flux-tree playbooks ask no live facts"));
const NO_FACTS: PlaybookFactSource = {
  storages: notAsked,
  bridges: notAsked,
  vmConfig: notAsked,
  privileges: notAsked,
  nodes: notAsked,
  talosDisks: notAsked,
};

export interface FluxRepo {
  readonly dir: string;
  /** The tree as the lab writes it, before the fault. */
  readonly original: Readonly<Record<string, string>>;
  read(path: string): Promise<string>;
  /** runPlaybooks with `line` as the failure's error line and log tail. */
  run(line: string, stageFiles?: readonly string[]): Promise<PlaybookRun>;
  close(): Promise<void>;
}

export async function fluxRepo(
  faultId: string | undefined,
  change: (files: RepoFiles) => void = () => {},
): Promise<FluxRepo> {
  const files: RepoFiles = new Map(Object.entries(LAB_FLUX_TREE));
  if (faultId !== undefined) {
    const fault = FAULTS.find((candidate) => candidate.id === faultId);
    if (fault?.repo === undefined) {
      throw new Error(`no repo fault ${faultId} in the library`);
    }
    fault.repo(files);
  }
  change(files);
  const dir = await mkdtemp(join(tmpdir(), "flux-playbook-"));
  await writeRepoFiles(dir, files);
  return {
    dir,
    original: LAB_FLUX_TREE,
    read: (path) => readFile(join(dir, path), "utf8"),
    run: (line, stageFiles = []) =>
      runPlaybooks({
        worktree: dir,
        evidence: { lines: [line], logTail: line },
        facts: NO_FACTS,
        stageFiles,
      }),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
