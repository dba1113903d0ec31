import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CILIUM_MANIFEST,
  LAB_DEPLOY_KEY,
  type SandboxLab,
  startSandboxLab,
} from "../../lab/sandbox/index.ts";
import { publishToLab, writeRepoFiles } from "../../lab/sandbox/publish.ts";
import { runProcess } from "../adapters/process/index.ts";
import { RuntimeFailure } from "../errors/index.ts";

/** The CLI of this installation, so the demo drives the real thing end to end. */
const CLI = resolve(dirname(fileURLToPath(import.meta.url)), "../../../bin/orchestrator");
const CLUSTER_FILE = "config/clusters/prox-n100.yaml";
const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: "Demo Human",
  GIT_AUTHOR_EMAIL: "human@demo.lan",
  GIT_COMMITTER_NAME: "Demo Human",
  GIT_COMMITTER_EMAIL: "human@demo.lan",
};

export interface DemoOptions {
  keep?: boolean;
  out?: (text: string) => void;
}

/**
 * `npm run demo`: a throwaway homelab repo with three realistic faults, converged by the real
 * CLI against the sandbox lab (a loopback Proxmox API and fake talosctl/kubectl/flux) with the
 * built-in playbooks as executor and no model at all. Then the first fault comes back, and the
 * remembered fix handles it with no executor run. Returns false when the lab did not converge.
 */
export async function runDemo(options: DemoOptions = {}): Promise<boolean> {
  const out = options.out ?? ((text: string) => process.stdout.write(text));
  const root = await mkdtemp(join(tmpdir(), "orchestrator-demo-"));
  const repo = join(root, "homelab");
  // The lab node has a ZFS pool and one bridge, as many single-box homelabs do.
  const lab = await startSandboxLab(join(root, "lab"), {
    storages: { local: ["iso", "vztmpl", "backup"], "local-zfs": ["images", "rootdir"] },
    bridges: ["vmbr0"],
  });
  const env: Record<string, string> = {
    ...lab.env,
    // A fix to the Flux tree would be pushed and merged on the lab's forge (no such fault here).
    ...lab.forge.env("auto"),
    ...GIT_IDENTITY,
    EXECUTOR: "playbook",
    RETRY_BACKOFF: "0",
    OPENAI_API_KEY: "",
  };
  const cli = (
    args: string[],
    show: (line: string) => boolean = () => true,
    extraEnv: Record<string, string> = {},
  ) =>
    run(process.execPath, [CLI, ...args], repo, { ...env, ...extraEnv }, (text) =>
      out(filterLines(text, show)),
    );
  try {
    await makeHomelab(repo, lab, env, cli, out);
    out("\n$ orchestrator all      # EXECUTOR=playbook, no OPENAI_API_KEY\n");
    const firstExit = await cli(["all"], hideStageOutput);
    out(`(exit ${firstExit})\n\n$ orchestrator status\n`);
    await cli(["status"]);
    out("\n$ orchestrator patches\n");
    await cli(["patches"]);

    out("\nThe same fault again: you merge the AI branch, then an edit brings back the storage name.\n");
    await run("git", ["merge", "-q", "--ff-only", "ai/orchestrator-stage1"], repo, env);
    const cluster = await readFile(join(repo, CLUSTER_FILE), "utf8");
    await writeFile(
      join(repo, CLUSTER_FILE),
      cluster.replace(/storage: local-zfs( *)/, "storage: local-lvm$1"),
    );
    await run("git", ["commit", "-qam", "cluster: back to local-lvm"], repo, env);
    out("$ orchestrator vms\n");
    const secondExit = await cli(["vms"], hideStageOutput);
    out(`(exit ${secondExit})\n\n$ orchestrator fixes\n`);
    await cli(["fixes"]);
    const approved = await proposeThenApprove(repo, env, cli, out);
    const story = await whatItShowed(repo, env);
    out(`\n${story.text}`);
    out(
      options.keep
        ? `\nThe repo is kept at ${repo}, and the lab's world at ${lab.dir}.\nBring the lab back (same Proxmox port, so the repo's cluster file still works) and look around:\n  orchestrator lab up --dir ${lab.dir} --port ${new URL(lab.proxmox.url).port}\n  cd ${repo} && orchestrator status\n`
        : "\nThe temporary repo has been removed (--keep keeps it).\n",
    );
    return story.converged && approved;
  } finally {
    await lab.close();
    if (!options.keep) {
      await rm(root, { recursive: true, force: true });
    }
  }
}

/**
 * The second act: with APPROVAL=propose a fix is committed but not run. The bridge fault comes
 * back; the remembered fix is proposed; `plan` says the stage awaits approval; `approve` runs the
 * stage with it and it is verified. Resolves to whether the stage went green and `plan` found
 * nothing left to do.
 */
async function proposeThenApprove(
  repo: string,
  env: Record<string, string>,
  cli: (
    args: string[],
    show?: (line: string) => boolean,
    extraEnv?: Record<string, string>,
  ) => Promise<number>,
  out: (text: string) => void,
): Promise<boolean> {
  out(
    "\nSecond act, propose then approve: with APPROVAL=propose every fix waits for you. You merge the AI\nbranch, then an edit brings back the bridge fault.\n",
  );
  await run("git", ["merge", "-q", "--ff-only", "ai/orchestrator-stage1"], repo, env);
  const cluster = await readFile(join(repo, CLUSTER_FILE), "utf8");
  await writeFile(join(repo, CLUSTER_FILE), cluster.replace(/bridge: vmbr0( *)/, "bridge: vmbr1$1"));
  await run("git", ["commit", "-qam", "cluster: back to vmbr1"], repo, env);
  const propose = { APPROVAL: "propose" };
  out("$ APPROVAL=propose orchestrator vms\n");
  const proposedExit = await cli(["vms"], hideStageOutput, propose);
  out(`(exit ${proposedExit})\n\n$ orchestrator plan vms\n`);
  await cli(["plan", "vms"], undefined, propose);
  const id = await awaitingProposal(repo, env);
  if (id === undefined) {
    out("demo: no proposal awaits approval; the second act cannot go on\n");
    return false;
  }
  out(`\n$ orchestrator approve ${id}\n`);
  const approveExit = await cli(["approve", id], hideStageOutput, propose);
  out(
    `(exit ${approveExit})\n\n$ orchestrator plan      # what a run would do now; runs only the success checks\n`,
  );
  const planExit = await cli(["plan"], undefined, propose);
  out(`(exit ${planExit})\n`);
  return approveExit === 0 && planExit === 0;
}

/** The first proposal awaiting approval, as `status --json` lists it. */
async function awaitingProposal(repo: string, env: Record<string, string>): Promise<string | undefined> {
  let json = "";
  await run(process.execPath, [CLI, "status", "--json"], repo, env, (text) => {
    json += text;
  });
  const report = JSON.parse(json) as { awaitingApproval?: { id: string }[] };
  return report.awaitingApproval?.[0]?.id;
}

/** `orchestrator init`, then the lab's own values and three faults a homelab often has. */
async function makeHomelab(
  repo: string,
  lab: SandboxLab,
  env: Record<string, string>,
  cli: (args: string[]) => Promise<number>,
  out: (text: string) => void,
): Promise<void> {
  await mkdir(repo, { recursive: true });
  await run("git", ["init", "-q", "-b", "main"], repo, env);
  out(
    `demo: a throwaway homelab repo at ${repo}\n      and a sandbox lab (Proxmox API at ${lab.proxmox.url}, fake talosctl/kubectl/flux,\n      the repo's remote ${lab.git.url} that Flux syncs)\n\n$ orchestrator init\n`,
  );
  if ((await cli(["init"])) !== 0) {
    throw new Error(`orchestrator init failed in ${repo}`);
  }
  const faulty = lab
    .clusterFile()
    .replace("bridge: vmbr0", "bridge: vmbr1") // the node only has vmbr0
    // The VMs' disks are SCSI (/dev/sda). Talos >= 1.9 would accept /dev/vda and fail installing on
    // the node; the talos stage's disk preflight (talosctl get disks --insecure) stops it first.
    .replace("installDisk: /dev/sda ", "installDisk: /dev/vda ");
  // storage stays local-lvm, the stock name, but this node has a ZFS pool: local-zfs
  await writeRepoFiles(repo, [
    [CLUSTER_FILE, faulty],
    ["kubernetes/bootstrap/20-cilium.yaml", CILIUM_MANIFEST],
    ["deploy.key", LAB_DEPLOY_KEY],
    // A cluster-template-shaped Flux tree: kubernetes/flux/cluster and kubernetes/apps.
    ...Object.entries(lab.fluxTree()),
  ]);
  await run("git", ["add", "-A"], repo, env);
  await run("git", ["commit", "-qm", "homelab: prox-n100"], repo, env);
  out(`$ git remote add origin ${lab.git.url} && git push origin main\n`);
  await publishToLab(repo, lab, env);
  out(
    "\nThree faults are in the cluster file: storage local-lvm (the node has local-zfs), bridge vmbr1\n(the node has vmbr0) and Talos install disk /dev/vda (the VMs' disks are SCSI, /dev/sda).\n",
  );
}

/** The stage's own output lines (indented under "[stage]") are in the logs; the demo shows the loop's. */
function hideStageOutput(line: string): boolean {
  return !/^\[[a-z-]+\] {3}/.test(line);
}

function filterLines(text: string, show: (line: string) => boolean): string {
  return text
    .split(/(?<=\n)/)
    .filter((line) => show(line))
    .join("");
}

/** Reads the state the runs left and says what it shows, rather than what it was meant to show. */
async function whatItShowed(
  repo: string,
  env: Record<string, string>,
): Promise<{ text: string; converged: boolean }> {
  let json = "";
  await run(process.execPath, [CLI, "status", "--json"], repo, env, (text) => {
    json += text;
  });
  const report = JSON.parse(json) as {
    stages: Array<{ stage: string; status: string; executorRuns: number; apiCallsTotal: number }>;
  };
  const journal = (await readFile(join(repo, "ai", "state", "journal.jsonl"), "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; stage?: string; id?: string; source?: string });
  let log = "";
  await run(
    "git",
    ["log", "--format=%s%x09%(trailers:key=Source,valueonly,separator=)", "ai/orchestrator-stage1"],
    repo,
    env,
    (text) => {
      log += text;
    },
  );
  const commits = log
    .split("\n")
    .filter((line) => line.startsWith("ai("))
    .map((line) => line.split("\t"));
  const green = report.stages.filter((row) => row.status === "green").map((row) => row.stage);
  const executorRuns = report.stages.reduce((sum, row) => sum + row.executorRuns, 0);
  const apiCalls = report.stages.reduce((sum, row) => sum + row.apiCallsTotal, 0);
  const runs = journal.filter((event) => event.type === "stage_run").length;
  const lines = [
    "What this showed (read back from ai/state and the AI branch):",
    `- ${green.length} of ${report.stages.length} stages are green (${green.join(", ")}) after ${runs} stage runs in all.`,
    `- ${commits.length} AI commits on ai/orchestrator-stage1, each checked by the patch guard:`,
    ...commits.map(([subject, source]) => `    ${source?.trim() || "?"}: ${subject}`),
    `- ${executorRuns} executor runs and ${apiCalls} model API calls: the playbooks found the storage, bridge and`,
    "  install disk the lab really has, through read-only Proxmox and talosctl queries.",
  ];
  const replayed = commits.filter(([, source]) => source?.trim() === "memory").length;
  if (replayed > 0) {
    lines.push(
      `- When a fault came back, its remembered fix was replayed (${replayed} commit${replayed === 1 ? "" : "s"} with Source: memory)`,
      "  before any executor: no executor run and no model call for a second occurrence.",
    );
  }
  const proposed = journal.find((event) => event.type === "fix_proposed");
  const approved = journal.find((event) => event.type === "fix_approved" && event.id === proposed?.id);
  if (proposed && approved) {
    lines.push(
      `- With APPROVAL=propose the fix (source: ${proposed.source}) was committed as proposal ${proposed.id} and the stage`,
      `  was not run with it until "orchestrator approve ${proposed.id}"; then it ran, went green and was verified.`,
    );
  }
  lines.push(
    "- plan ran only success checks: it never ran a stage command, an executor or a model.",
    "- Your branch (main) and its files were never touched by the tool; each run's log is in ai/logs/<stage>/,",
    "  every event in ai/state/journal.jsonl.",
  );
  return { text: `${lines.join("\n")}\n`, converged: green.length === report.stages.length };
}

/**
 * Runs a program to its end, passing each output line (stdout and stderr as they come) to `out`.
 * The program runs in a process group of its own, out of the terminal's reach, so Ctrl-C is
 * passed on here: it stops the program (the CLI then stops its stage) and ends the demo.
 */
async function run(
  program: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  out?: (text: string) => void,
): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    const result = await runProcess([program, ...args], {
      cwd,
      env: { ...process.env, ...env },
      signal: controller.signal,
      output: { mode: "lines", tailLines: 0, onLine: (line) => out?.(`${line}\n`) },
    });
    if (result.startFailure) {
      throw new RuntimeFailure(result.startFailure.message);
    }
    if (result.interrupted) {
      throw new RuntimeFailure("the demo was interrupted");
    }
    return result.exitCode ?? 1;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
