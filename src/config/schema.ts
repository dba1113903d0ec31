import { z } from "zod";
import { APPROVAL_MODES } from "../core/policy/approval.ts";
import { readDuration } from "./duration.ts";
import { EXECUTOR_KINDS } from "./executor-kinds.ts";

export { parseDuration } from "./duration.ts";

export const Duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const read = readDuration(value);
  if ("problem" in read) {
    ctx.addIssue({ code: "custom", message: read.problem });
    return z.NEVER;
  }
  return read.ms;
});

/**
 * Ignored files and folders of the user's checkout that stages see in the AI worktree (linked
 * there before each run), by tool: Terraform and OpenTofu (local state in terraform.tfstate,
 * providers and modules in .terraform/: developer.hashicorp.com/terraform/language/state),
 * talhelper (talsecret.yaml, the generated clusterconfig/), talosctl and kubectl credentials,
 * sops with age (keys.txt, *.agekey: github.com/getsops/sops README "Encrypting using age") and
 * `.env` files. Globs have the one meaning of src/core/glob (gitignore's). Only paths git
 * ignores are ever linked: a tracked file always comes from the AI branch.
 */
export const DEFAULT_LOCAL_STATE = [
  ".terraform",
  "*.tfstate",
  "*.tfstate.backup",
  ".terraform.tfstate.lock.info",
  "*.auto.tfvars",
  "terraform.tfvars",
  "*.tfvars.json",
  "talosconfig",
  "kubeconfig",
  "talsecret*.yaml",
  "clusterconfig",
  "secrets.yaml",
  "keys.txt",
  "*.agekey",
  ".env",
];

/**
 * Words `orchestrator <word>` already means: a stage named like one could never be run by name
 * (`orchestrator status` is the status command), so such names are refused.
 */
export const RESERVED_STAGE_NAMES = [
  "all",
  "approve",
  "converge",
  "demo",
  "diagnostics",
  "explain",
  "fingerprint",
  "fixes",
  "help",
  "init",
  "lab",
  "patches",
  "plan",
  "proxmox",
  "qualify",
  "reject",
  "revert",
  "schema",
  "service",
  "status",
  "step",
  "templates",
  "verify",
] as const;

const StageName = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, "stage names are lower-case words like talos or infra")
  .refine(
    (name) => !(RESERVED_STAGE_NAMES as readonly string[]).includes(name),
    "this name is an orchestrator command (orchestrator <name> would never run the stage): rename the stage",
  );

/**
 * A command runs through `bash -c` as one argument, which Linux caps at 128 KiB
 * (MAX_ARG_STRLEN in include/uapi/linux/binfmts.h); long scripts belong in a file.
 */
const MAX_COMMAND_BYTES = 32 * 1024;
const Command = z
  .string()
  .min(1)
  .refine(
    (command) => Buffer.byteLength(command) <= MAX_COMMAND_BYTES,
    `a command over ${MAX_COMMAND_BYTES / 1024} KiB: put the script in a file in the repo and run that`,
  );

/** A folder inside the repo, given relative to its root. */
const RepoFolder = z
  .string()
  .refine(
    (path) => !path.startsWith("/") && !/^[A-Za-z]:[\\/]/.test(path),
    "expected a folder relative to the repo root",
  )
  .refine((path) => staysInside(path), "expected a folder inside the repo (it climbs out with ..)");

function staysInside(path: string): boolean {
  let depth = 0;
  for (const segment of path.split(/[\\/]+/)) {
    if (segment === "..") {
      depth--;
      if (depth < 0) {
        return false;
      }
    } else if (segment !== "." && segment !== "") {
      depth++;
    }
  }
  return true;
}

export const SuccessCheck = z
  .object({
    name: z.string().min(1),
    command: Command,
    expect_exit: z.number().int().min(0).max(255).default(0),
    expect_output: z.string().refine(isValidRegExp, "expected a valid regular expression").optional(),
    timeout: Duration.optional(),
  })
  .strict();
export type SuccessCheck = z.output<typeof SuccessCheck>;

const ApprovalMode = z.enum(APPROVAL_MODES);
/**
 * Propose, then approve: per fix source (a remembered fix `memory`, a `playbook`, another
 * `executor`, the model `api`) `auto` runs the stage with the fix at once (the default),
 * `propose` commits it and waits for `orchestrator approve ID`. `default` covers the sources not named.
 */
export const ApprovalSettings = z
  .object({
    default: ApprovalMode.optional(),
    memory: ApprovalMode.optional(),
    playbook: ApprovalMode.optional(),
    executor: ApprovalMode.optional(),
    api: ApprovalMode.optional(),
  })
  .strict();
export type ApprovalSettings = z.output<typeof ApprovalSettings>;

export const StageSpec = z
  .object({
    description: z.string().optional(),
    command: Command.optional(),
    cwd: RepoFolder.optional(),
    timeout: Duration.default(20 * 60_000),
    env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
    needs: z.array(StageName).default([]),
    files: z.array(z.string()).default([]),
    memo_sections: z.array(z.string()).default([]),
    success_criteria: z.array(SuccessCheck).default([]),
    diagnostics: z.array(z.string().min(1)).default([]),
    /** This stage's own `local_state` globs; `[]` runs it without any of the user's local state. */
    local_state: z.array(z.string()).optional(),
    /** This stage's own approval rules, over `settings.approval`. */
    approval: ApprovalSettings.optional(),
  })
  .strict();
export type StageSpec = z.output<typeof StageSpec>;

const PositiveInt = z.number().int().positive();

export const ExecutorKind = z.enum(EXECUTOR_KINDS);
export type ExecutorKind = z.output<typeof ExecutorKind>;

export const FileSettings = z
  .object({
    executor_retry_threshold: PositiveInt.optional(),
    api_call_budget: z.number().int().min(0).optional(),
    ai_branch: z.string().min(1).optional(),
    retry_backoff: z
      .union([z.literal(0), z.literal("0"), Duration])
      .transform(Number)
      .optional(),
    executor: ExecutorKind.optional(),
    executor_command: z.string().optional(),
    case_file_token_budget: PositiveInt.optional(),
    patch_max_files: PositiveInt.optional(),
    patch_max_lines: PositiveInt.optional(),
    openai_model: z.string().optional(),
    openai_base_url: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).optional(),
    approval: ApprovalSettings.optional(),
  })
  .strict();
export type FileSettings = z.output<typeof FileSettings>;

/**
 * Separate read-only credentials for diagnostics a model asks for, so "read-only" holds on the
 * server too: a talosconfig with os:reader, a kubeconfig bound to the view ClusterRole, and the
 * environment variable holding a PVEAuditor Proxmox token secret. Paths are relative to the repo.
 */
export const DiagnosticsCredentials = z
  .object({
    talosconfig: z.string().optional(),
    kubeconfig: z.string().optional(),
    proxmox_token_id: z.string().optional(),
    proxmox_token_secret_env: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, "expected an environment variable name")
      .optional(),
  })
  .strict();
export type DiagnosticsCredentials = z.output<typeof DiagnosticsCredentials>;

/**
 * Where a notification goes (`notify:`). The URL and any token come from an environment variable
 * or a file outside the repo, never from this file: a Slack, Discord or Mattermost webhook URL
 * and an ntfy topic are credentials in themselves. Request shapes: src/core/notify/request-shapes.ts.
 */
export const NOTIFY_KINDS = ["ntfy", "gotify", "webhook", "slack", "discord", "mattermost"] as const;
export const NOTIFY_EVENTS = [
  "give_up",
  "needs_human",
  "fix_applied",
  "fix_proposed",
  "fix_replayed",
  "drift",
  "recovered",
] as const;
const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name");
const AbsoluteFile = z
  .string()
  .refine((path) => path.startsWith("/"), "expected an absolute path to a file outside the repo");
export const NotifyTarget = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "expected a short name like phone or team-chat")
      .optional(),
    kind: z.enum(NOTIFY_KINDS),
    url_env: EnvName.optional(),
    url_file: AbsoluteFile.optional(),
    token_env: EnvName.optional(),
    token_file: AbsoluteFile.optional(),
    /** Only these events (default: all of them). */
    events: z.array(z.enum(NOTIFY_EVENTS)).min(1).optional(),
  })
  .strict()
  .refine((target) => (target.url_env === undefined) !== (target.url_file === undefined), {
    message: "give exactly one of url_env or url_file (the URL is never written in the context map)",
  })
  .refine((target) => target.token_env === undefined || target.token_file === undefined, {
    message: "give token_env or token_file, not both",
  });
export type NotifyTarget = z.output<typeof NotifyTarget>;

export const ContextMap = z
  .object({
    version: z.literal(1),
    settings: FileSettings.default({}),
    protected: z.array(z.string()).default([]),
    secrets: z.array(z.string()).default([]),
    local_state: z.array(z.string()).default(DEFAULT_LOCAL_STATE),
    diagnostics_credentials: DiagnosticsCredentials.default({}),
    notify: z.array(NotifyTarget).default([]),
    stages: z
      .record(StageName, StageSpec)
      .refine((stages) => Object.keys(stages).length > 0, "name at least one stage"),
  })
  .strict();
export type ContextMap = z.output<typeof ContextMap>;

function isValidRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
