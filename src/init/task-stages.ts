import { posix } from "node:path";
import type { AdoptedStage, AdoptPack } from "./adopt-stages.ts";
import type { RepoTask } from "./task-files.ts";

/**
 * A stage whose job one of the repo's own tasks already does runs that task: the user's recipe
 * keeps its flags, its environment and its order of steps, and a fix the AI makes to the recipe
 * is tested as the user runs it. A task is chosen by what its commands do (its body, with its
 * dependencies), never by its name alone, and never one whose body destroys, resets or wipes.
 */
type StageRole =
  | "terraform-apply"
  | "talos-apply"
  | "template-configure"
  | "apps-bootstrap"
  | "flux-reconcile"
  | "argocd-sync";

const ROLES: Record<StageRole, { body: RegExp; name?: RegExp }> = {
  "terraform-apply": { body: /\b(?:terraform|tofu)(?:\s+-\S+)*\s+apply\b/ },
  "talos-apply": { body: /\btalhelper\s+gencommand\s+apply\b|\btalosctl\s+apply-config\b|\btopf\s+apply\b/ },
  // cluster-template's configure renders with makejinja through its template module.
  "template-configure": { body: /\bmakejinja\b/, name: /^configure$/ },
  "apps-bootstrap": { body: /\bhelmfile\b[^\n]*\bsync\b/ },
  "flux-reconcile": { body: /\bflux\b[^\n]*\breconcile\b/ },
  "argocd-sync": { body: /\bargocd\s+app\s+sync\b/ },
};
const DESTRUCTIVE = /\b(?:destroy|reset|wipe)\b/;

/** The role of each stage the packs write, by pack and stage name. */
function roleOf(pack: AdoptPack, stage: string): StageRole | undefined {
  const roles: Partial<Record<AdoptPack, Record<string, StageRole>>> = {
    terraform: { vms: "terraform-apply" },
    talhelper: { talos: "talos-apply" },
    "cluster-template": { configure: "template-configure", talos: "talos-apply", apps: "apps-bootstrap" },
    flux: { gitops: "flux-reconcile" },
    argocd: { gitops: "argocd-sync" },
  };
  return roles[pack]?.[stage];
}

/** The repo's task that does this role, the shortest to call when several do. */
export function taskFor(role: StageRole, tasks: readonly RepoTask[]): RepoTask | undefined {
  const { body, name } = ROLES[role];
  const lastWord = (task: RepoTask) => task.name.split(/[ :]/).at(-1) ?? task.name;
  return tasks
    .filter((task) => !DESTRUCTIVE.test(task.body))
    .filter((task) => body.test(task.body) || (name?.test(lastWord(task)) ?? false))
    .sort((a, b) => a.invocation.length - b.invocation.length)[0];
}

/**
 * The stage calling the task that does its job, run from the task file's folder; its checks,
 * written for the tool's own folder, first change to that folder. Without such a task, the stage
 * as the pack wrote it.
 */
export function withRepoTask(
  stage: Omit<AdoptedStage, "needs">,
  pack: AdoptPack,
  tasks: readonly RepoTask[],
) {
  const role = roleOf(pack, stage.name);
  const task = role === undefined ? undefined : taskFor(role, tasks);
  if (task === undefined) {
    return stage;
  }
  const toolDir = stage.cwd ?? ".";
  const relative = posix.relative(task.dir, toolDir);
  const { cwd: _toolCwd, ...rest } = stage;
  return {
    ...rest,
    description: `${stage.description} — by the repo's ${task.runner} task \`${task.name}\``,
    command: task.invocation,
    ...(task.dir === "." ? {} : { cwd: task.dir }),
    files: [...new Set([...stage.files, task.file])],
    checks: stage.checks.map((check) =>
      relative === "" ? check : { ...check, command: `cd ${relative} && ${check.command}` },
    ),
  };
}
