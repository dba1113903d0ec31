import type { CliIO } from "./io.ts";

/*
 * Every command the CLI has, as data: name, words for --help, arguments, options, and `load`,
 * the one place a command's module is imported. Modules import what they need statically; a
 * command loads only its own module, so `status` never loads the YAML parser, zod or the model
 * client. Nothing else in src/cli imports lazily.
 */

export interface ArgumentSpec {
  /** Commander's syntax: `<file>` required, `[check]` optional, `<command...>` the rest. */
  readonly name: string;
  readonly description: string;
}

export interface OptionSpec {
  readonly flags: string;
  readonly description: string;
  readonly default?: string;
  readonly required?: boolean;
}

/**
 * A command module: `run(args, options, io)` with its positional arguments in declared order, its
 * options merged with the global ones, and the process around it; it resolves to the exit code.
 * Each module types its own arguments and options; `never` here lets every such `run` fit.
 */
export interface CommandModule {
  run(args: never, options: never, io: CliIO): Promise<number>;
}

export interface CommandSpec {
  readonly name: string;
  readonly description: string;
  readonly arguments?: readonly ArgumentSpec[];
  readonly options?: readonly OptionSpec[];
  /** Absent for a command that only groups sub-commands (`diagnostics`, `proxmox`). */
  readonly load?: () => Promise<CommandModule>;
  readonly subcommands?: readonly CommandSpec[];
}

/** Global options: every command sees them (`orchestrator -C ~/homelab status`). */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  {
    flags: "-C, --repo <dir>",
    description: "the homelab repo (default: the nearest folder above with ai/context_map.yaml)",
  },
  {
    flags: "--executor-retry-threshold <n>",
    description: "attempts per error before escalating (EXECUTOR_RETRY_THRESHOLD)",
  },
  { flags: "--api-call-budget <n>", description: "API calls per error before give_up (API_CALL_BUDGET)" },
  { flags: "--ai-branch <name>", description: "git branch for AI changes (AI_BRANCH)" },
  {
    flags: "--retry-backoff <duration>",
    description: "first wait between plain retries, doubling to 5m; 0 for none (RETRY_BACKOFF)",
  },
  {
    flags: "--executor <kind>",
    description: "auto, codex, openai-compatible, command, playbook or none (EXECUTOR)",
  },
];

/** `orchestrator <stage> [--reset]`: the program's own action. */
export const RUN_COMMAND: CommandSpec = {
  name: "orchestrator",
  description: "Operates, repairs and converges a Talos Kubernetes homelab on Proxmox VE.",
  arguments: [{ name: "[stage]", description: 'a stage from ai/context_map.yaml, or "all"' }],
  options: [
    { flags: "--reset", description: "clear the stage's state (after a human fix) and set it to idle" },
    {
      flags: "--json",
      description: "the outcomes (with each failed stage's failing lines) as JSON on stdout",
    },
  ],
  load: () => import("./commands/run.ts"),
};

/** The homelab pack's steps and checked stages, for --help (a test holds them to the modules). */
export const STEP_NAMES = ["vms", "talos", "infra", "apps", "ingress", "obs"] as const;
const CLUSTER_OPTION: OptionSpec = {
  flags: "--cluster <file>",
  description: "the cluster file (default: the only one in config/clusters/)",
};

const LAB_DIR_OPTION: OptionSpec = {
  flags: "--dir <dir>",
  description: "the lab's folder (default: $XDG_STATE_HOME/homelab-orchestrator/lab)",
};

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "status",
    description:
      "stage, status, since, fingerprint, attempts, API calls and last log of every stage (exit 1 if one gave up)",
    options: [{ flags: "--json", description: "stable JSON for scripts" }],
    load: () => import("./commands/status.ts"),
  },
  {
    name: "converge",
    description: "the continuous mode: converge all stages, then re-check every interval; never exits",
    options: [
      { flags: "--every <duration>", description: "time between passes", default: "15m" },
      {
        flags: "--listen <host:port>",
        description: "serve /metrics, /healthz and a status page, e.g. 127.0.0.1:9489",
      },
      {
        flags: "--token-file <file>",
        description: "bearer token the listener requires (or ORCHESTRATOR_LISTEN_TOKEN); needed off loopback",
      },
    ],
    load: () => import("./commands/converge.ts"),
  },
  {
    name: "service",
    description: "run converge as a systemd service",
    subcommands: [
      {
        name: "install",
        description:
          "write a systemd unit running converge with the listener, and an environment file for secrets",
        options: [
          {
            flags: "--user",
            description: "a unit of your own (~/.config/systemd/user) instead of a system one",
          },
          { flags: "--dry-run", description: "print the unit instead of writing it" },
          { flags: "--every <duration>", description: "time between passes", default: "15m" },
          { flags: "--listen <host:port>", description: "the listener's address", default: "127.0.0.1:9489" },
        ],
        load: () => import("./commands/service.ts"),
      },
    ],
  },
  {
    name: "init",
    description:
      "write ai/ (context map, master memo, executor instructions, shim) for the tooling the repo already uses, without overwriting anything",
    options: [
      {
        flags: "--pack <packs>",
        description:
          "auto (what the repo uses), builtin, or packs: packer,terraform,talhelper,cluster-template,flux,argocd",
        default: "auto",
      },
      { flags: "--dry-run", description: "print what would be written; write nothing" },
    ],
    load: () => import("./commands/init.ts"),
  },
  {
    name: "explain",
    description: "the story of the stage's last episode in plain words: runs, fixes, model calls, outcome",
    arguments: [{ name: "<stage>", description: "a stage from ai/context_map.yaml" }],
    options: [
      { flags: "--json", description: "the episode's journal events, failing lines and story as JSON" },
    ],
    load: () => import("./commands/explain.ts"),
  },
  {
    name: "schema",
    description: "print the JSON Schema of ai/context_map.yaml",
    load: () => import("./commands/schema.ts"),
  },
  {
    name: "demo",
    description: "run the loop on a built-in sandbox homelab in a temporary folder",
    options: [{ flags: "--keep", description: "keep the temporary repo for a look afterwards" }],
    load: () => import("./commands/demo.ts"),
  },
  {
    name: "lab",
    description: "the sandbox lab (loopback Proxmox VE API, fake talosctl/kubectl/flux) in the background",
    subcommands: [
      {
        name: "up",
        description:
          "start it (keeping the world a previous lab in the folder left) and print what to export",
        options: [
          LAB_DIR_OPTION,
          { flags: "--port <port>", description: "the Proxmox API's port (default: any free)" },
        ],
        load: () => import("./commands/lab.ts").then((lab) => ({ run: lab.up })),
      },
      {
        name: "down",
        description: "stop it; its world file stays",
        options: [LAB_DIR_OPTION],
        load: () => import("./commands/lab.ts").then((lab) => ({ run: lab.down })),
      },
      {
        name: "status",
        description: "say whether it is up, where, and what to export (exit 1 when down)",
        options: [LAB_DIR_OPTION],
        load: () => import("./commands/lab.ts").then((lab) => ({ run: lab.status })),
      },
    ],
  },
  {
    name: "qualify",
    description:
      "run the fault library with your executor and model, each fault in a throwaway repo against a sandbox lab, and count what converged",
    options: [
      { flags: "--faults <ids>", description: "only these faults (comma-separated ids)" },
      { flags: "--json", description: "print the report as JSON" },
      { flags: "--parallel <n>", description: "faults at once (default: the machine's cores)" },
    ],
    load: () => import("./commands/qualify.ts"),
  },
  {
    name: "fingerprint",
    description: "print the error fingerprint (template hash) of a log file's tail",
    arguments: [{ name: "<file>", description: "log file, or - for standard input" }],
    options: [
      { flags: "--explain", description: "show the chosen lines, their templates and both hashes" },
      { flags: "--json", description: "print the whole fingerprint as JSON" },
    ],
    load: () => import("./commands/fingerprint.ts"),
  },
  {
    name: "templates",
    description: "group messages by template: one JSON object per input line (stdin without FILE)",
    arguments: [{ name: "[file]", description: "one message per line" }],
    load: () => import("./commands/templates.ts"),
  },
  {
    name: "patches",
    description: "list the AI branch's patch commits and what became of them",
    options: [
      { flags: "--stage <stage>", description: "only this stage's patches" },
      { flags: "--json", description: "stable JSON for scripts" },
    ],
    load: () => import("./commands/patches.ts"),
    subcommands: [
      {
        name: "check",
        description:
          'check a diff against the AI branch without applying it ("-" reads stdin); exit 0 accepted, 1 refused',
        arguments: [{ name: "<file>", description: "the diff" }],
        options: [
          {
            flags: "--stage <stage>",
            description: "the stage the diff is for (must exist in ai/context_map.yaml)",
          },
        ],
        load: () => import("./commands/patches-check.ts"),
      },
    ],
  },
  {
    name: "plan",
    description:
      "say what a run would do now for each stage, and why, without running any stage, executor or model (exit 1 if something would run)",
    arguments: [{ name: "[stage]", description: 'a stage from ai/context_map.yaml, or "all" (the default)' }],
    options: [{ flags: "--json", description: "stable JSON for scripts" }],
    load: () => import("./commands/plan.ts"),
  },
  {
    name: "approve",
    description: "run the stage with a proposed fix and verify it (a fix whose source is set to propose)",
    arguments: [
      { name: "<id>", description: "the proposal, e.g. vms-1 (see orchestrator status or patches)" },
    ],
    load: () => import("./commands/approve.ts"),
  },
  {
    name: "reject",
    description: "revert a proposed fix; it is never proposed or replayed again for that error",
    arguments: [{ name: "<id>", description: "the proposal, e.g. vms-1" }],
    load: () => import("./commands/reject.ts"),
  },
  {
    name: "revert",
    description: "revert one of the AI branch's patch commits by hand",
    arguments: [{ name: "<id>", description: "the commit (a unique prefix is enough)" }],
    options: [
      {
        flags: "--reason <text>",
        description: "why, recorded in the revert commit",
        default: "reverted by hand",
      },
    ],
    load: () => import("./commands/revert.ts"),
  },
  {
    name: "diagnostics",
    description: "the read-only commands a model may ask for while a stage is escalated",
    subcommands: [
      {
        name: "check",
        description: "say whether a diagnostic would run for a stage: exit 0 allowed, 1 refused",
        arguments: [
          {
            name: "<command...>",
            description: "the command as one quoted string, exactly as a model sends it (after --)",
          },
        ],
        options: [
          {
            flags: "--stage <stage>",
            description: "the stage whose diagnostics prefixes apply",
            required: true,
          },
        ],
        load: () => import("./commands/diagnostics.ts"),
      },
    ],
  },
  {
    name: "step",
    description: `run one homelab step once against the cluster file (${STEP_NAMES.join(", ")})`,
    arguments: [{ name: "<name>", description: `the step: ${STEP_NAMES.join(", ")}` }],
    options: [CLUSTER_OPTION],
    load: () => import("./commands/step.ts"),
  },
  {
    name: "fixes",
    description: "list the remembered fixes that are replayed when their error returns",
    options: [{ flags: "--json", description: "stable JSON for scripts" }],
    load: () => import("./commands/fixes.ts"),
    subcommands: [
      {
        name: "forget",
        description: "forget one remembered fix (a unique prefix of its id is enough)",
        arguments: [{ name: "<id>", description: "the fix's id" }],
        load: () => import("./commands/fixes-forget.ts"),
      },
    ],
  },
  {
    name: "verify",
    description: "run a stage's success_criteria once (any stage of ai/context_map.yaml), changing nothing",
    arguments: [
      { name: "<stage>", description: `a stage of ai/context_map.yaml (built in: ${STEP_NAMES.join(", ")})` },
      { name: "[check]", description: "one check by name (default: all of the stage's)" },
    ],
    options: [CLUSTER_OPTION, { flags: "--json", description: "the checks' results as JSON" }],
    load: () => import("./commands/verify.ts"),
  },
  {
    name: "proxmox",
    description: "read the Proxmox VE API (read-only; what the vms stage's diagnostics use)",
    subcommands: [
      {
        name: "get",
        description: "GET one read-only API path and print its data as JSON, e.g. /nodes/pve/qemu/121/config",
        arguments: [
          {
            name: "<api-path>",
            description: "below /api2/json, with its query quoted: '/nodes/pve/tasks?vmid=121&errors=1'",
          },
        ],
        options: [CLUSTER_OPTION],
        load: () => import("./commands/proxmox.ts"),
      },
    ],
  },
];
