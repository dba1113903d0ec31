import { CILIUM, CLOUDFLARED } from "./cilium-and-cloudflared.ts";
import { FLUX } from "./flux.ts";
import { KUBECTL } from "./kubectl.ts";
import { localFileArgument } from "./local-files.ts";
import { CURL, DIG } from "./network-tools.ts";
import { ORCHESTRATOR } from "./orchestrator.ts";
import { parseArgs } from "./parse-args.ts";
import { TALOSCTL } from "./talosctl.ts";
import type { ToolPolicy } from "./tool-policy.ts";

/**
 * The built-in read-only policy: the only tools a diagnostic may run, each with the commands
 * of it that only look. It holds whatever the context map says; a stage's `diagnostics`
 * prefixes can narrow it, never widen it.
 */
export const READ_ONLY_POLICY: Readonly<Record<string, ToolPolicy>> = {
  talosctl: TALOSCTL,
  kubectl: KUBECTL,
  flux: FLUX,
  cilium: CILIUM,
  cloudflared: CLOUDFLARED,
  dig: DIG,
  curl: CURL,
  orchestrator: ORCHESTRATOR,
};

function group(tools: readonly string[], reason: (tool: string) => string): Record<string, string> {
  return Object.fromEntries(tools.map((tool) => [tool, reason(tool)]));
}

/** Tools that are never a diagnostic, with the reason a person would give. Anything else unknown is refused too. */
export const REFUSED_TOOLS: Readonly<Record<string, string>> = {
  ...group(
    [
      "rm",
      "rmdir",
      "dd",
      "mv",
      "cp",
      "chmod",
      "chown",
      "chgrp",
      "ln",
      "truncate",
      "shred",
      "tee",
      "touch",
      "install",
    ],
    (tool) => `${tool} changes files: diagnostics are read-only`,
  ),
  ...group(
    ["mkfs", "mount", "umount", "fdisk", "parted", "wipefs", "kill", "pkill", "killall", "systemctl"],
    (tool) => `${tool} changes the machine: diagnostics are read-only`,
  ),
  ...group(
    [
      "sh",
      "bash",
      "zsh",
      "dash",
      "ksh",
      "fish",
      "env",
      "xargs",
      "sudo",
      "su",
      "doas",
      "nohup",
      "timeout",
      "nice",
      "exec",
      "eval",
      "watch",
      "time",
      "setsid",
      "stdbuf",
      "strace",
      "command",
      "busybox",
    ],
    (tool) => `${tool} runs other commands, which would slip past this policy`,
  ),
  ...group(
    ["python", "python3", "node", "perl", "ruby", "php", "lua", "deno", "bun", "awk", "gawk", "jq"],
    (tool) =>
      tool === "jq" ? "jq reads local files: use kubectl -o jsonpath instead" : `${tool} runs arbitrary code`,
  ),
  ...group(
    ["ssh", "scp", "sftp", "rsync", "nc", "netcat", "ncat", "socat", "telnet", "ftp"],
    (tool) => `${tool} reaches other machines with other credentials`,
  ),
  wget: "wget downloads and writes files: use curl (GET only)",
  ...group(
    ["ping", "traceroute", "tracepath", "mtr", "nmap", "arping"],
    (tool) => `${tool} sends traffic to arbitrary hosts: use dig or curl (GET only)`,
  ),
  ...group(
    [
      "cat",
      "less",
      "more",
      "head",
      "tail",
      "grep",
      "egrep",
      "sed",
      "find",
      "ls",
      "strings",
      "xxd",
      "od",
      "base64",
      "sops",
    ],
    (tool) =>
      `${tool} reads local files, which may hold secrets: the case file already carries the stage's files`,
  ),
  helm: "helm can print release values, which often hold passwords: use flux get hr or kubectl describe hr",
};

const KNOWN_TOOLS = Object.keys(READ_ONLY_POLICY).join(", ");

/** Why `argv` is not read-only, or undefined when the built-in policy allows it. */
export function checkReadOnly(argv: readonly string[]): string | undefined {
  const tool = argv[0];
  if (tool === undefined || tool === "") {
    return "the command is empty";
  }
  if (tool.includes("/")) {
    return `run tools by name, not by path (${tool}): a path can point at any program`;
  }
  const policy = READ_ONLY_POLICY[tool];
  if (!policy) {
    return (
      REFUSED_TOOLS[tool] ?? `${tool} is not a known read-only diagnostic tool (allowed: ${KNOWN_TOOLS})`
    );
  }
  return policy.check(parseArgs(argv, policy.valueFlags), argv) ?? localFileArgument(argv);
}
