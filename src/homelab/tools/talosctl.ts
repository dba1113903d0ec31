import { runToolOrThrow, type ToolOptions } from "./run-tool.ts";

/**
 * `talosctl` with argv, never a shell. Every call against a configured node passes the
 * talosconfig and `-n <ip> -e <ip>` explicitly: the node itself is the endpoint, because the VIP
 * only comes up after etcd is bootstrapped (research §3). Calls that fail throw a `ToolError`
 * whose message is talosctl's own error line.
 */
export interface TalosctlOptions extends ToolOptions {
  readonly talosconfig: string;
  /** The executable; default `talosctl` from PATH. */
  readonly binary?: string;
}

export interface GenConfigInput {
  readonly clusterName: string;
  readonly endpoint: string;
  readonly secretsFile: string;
  readonly talosVersion: string;
  readonly kubernetesVersion: string;
  readonly installImage: string;
  readonly installDisk?: string;
  readonly additionalSans: readonly string[];
  readonly outputDir: string;
  /** `controlplane,worker` or `talosconfig`. */
  readonly outputTypes: readonly ("controlplane" | "worker" | "talosconfig")[];
  readonly patches?: readonly string[];
  readonly controlPlanePatches?: readonly string[];
  readonly workerPatches?: readonly string[];
}

export interface TalosService {
  readonly state: string;
  readonly health: string;
  readonly events: readonly string[];
}

export interface EtcdMember {
  readonly hostname: string;
  readonly peerIp: string;
  readonly learner: boolean;
}

export class Talosctl {
  readonly options: TalosctlOptions;

  constructor(options: TalosctlOptions) {
    this.options = options;
  }

  private run(args: readonly string[]): Promise<string> {
    return runToolOrThrow([this.options.binary ?? "talosctl", ...args], this.options);
  }

  private secure(ip: string, args: readonly string[]): Promise<string> {
    return this.run(["--talosconfig", this.options.talosconfig, "-n", ip, "-e", ip, ...args]);
  }

  genSecrets(file: string): Promise<string> {
    return this.run(["gen", "secrets", "-o", file]);
  }

  genConfig(input: GenConfigInput): Promise<string> {
    const args = [
      "gen",
      "config",
      input.clusterName,
      input.endpoint,
      "--with-secrets",
      input.secretsFile,
      "--talos-version",
      input.talosVersion,
      "--kubernetes-version",
      input.kubernetesVersion,
      "--install-image",
      input.installImage,
    ];
    if (input.installDisk !== undefined) {
      args.push("--install-disk", input.installDisk);
    }
    if (input.additionalSans.length > 0) {
      args.push("--additional-sans", input.additionalSans.join(","));
    }
    for (const [flag, files] of [
      ["--config-patch", input.patches],
      ["--config-patch-control-plane", input.controlPlanePatches],
      ["--config-patch-worker", input.workerPatches],
    ] as const) {
      for (const file of files ?? []) {
        args.push(flag, `@${file}`);
      }
    }
    args.push("--output-types", input.outputTypes.join(","), "-o", input.outputDir, "--force");
    return this.run(args);
  }

  patchMachineConfig(base: string, patchFile: string, output: string): Promise<string> {
    return this.run(["machineconfig", "patch", base, "--patch", `@${patchFile}`, "-o", output]);
  }

  validate(file: string): Promise<string> {
    return this.run(["validate", "--mode", "metal", "-c", file]);
  }

  setEndpoints(ips: readonly string[]): Promise<string> {
    return this.run(["--talosconfig", this.options.talosconfig, "config", "endpoint", ...ips]);
  }

  setNodes(ips: readonly string[]): Promise<string> {
    return this.run(["--talosconfig", this.options.talosconfig, "config", "node", ...ips]);
  }

  /** The node's machine stage (`maintenance`, `booting`, `running`, …). */
  async machineStage(ip: string, mode: { insecure: boolean }): Promise<string> {
    const tail = ["get", "machinestatus", "-o", "jsonpath={.spec.stage}"];
    const stdout = mode.insecure
      ? await this.run(["get", "machinestatus", "--insecure", "-n", ip, "-o", "jsonpath={.spec.stage}"])
      : await this.secure(ip, tail);
    return stdout.trim();
  }

  applyConfig(ip: string, file: string, mode: { insecure?: boolean; dryRun?: boolean }): Promise<string> {
    if (mode.insecure) {
      return this.run(["apply-config", "--insecure", "-n", ip, "-f", file]);
    }
    return this.secure(ip, ["apply-config", "-f", file, ...(mode.dryRun ? ["--dry-run"] : [])]);
  }

  bootstrap(ip: string): Promise<string> {
    return this.secure(ip, ["bootstrap"]);
  }

  async service(ip: string, id: string): Promise<TalosService> {
    return parseServiceOutput(await this.secure(ip, ["service", id]));
  }

  async etcdMembers(ip: string): Promise<EtcdMember[]> {
    return parseEtcdMembers(await this.secure(ip, ["etcd", "members"]));
  }

  async serverVersion(ip: string): Promise<string | undefined> {
    return parseServerTag(await this.secure(ip, ["version"]));
  }

  kubeconfig(path: string, ip: string): Promise<string> {
    return this.secure(ip, ["kubeconfig", path, "--force"]);
  }
}

/** `talosctl service <id>`: `STATE    Running` / `HEALTH   OK` / `EVENTS   [..]: ..` lines. */
export function parseServiceOutput(text: string): TalosService {
  const field = (name: string) => new RegExp(`^${name}\\s+(.*)$`, "m").exec(text)?.[1]?.trim() ?? "";
  const events = text
    .split("\n")
    .filter((line) => /^\s*(EVENTS\s+)?\[\w+\]:/.test(line))
    .map((line) => line.replace(/^\s*(EVENTS\s+)?/, "").trim());
  return { state: field("STATE"), health: field("HEALTH"), events };
}

/** `talosctl etcd members`: a table; the IP comes from the peer URL. */
export function parseEtcdMembers(text: string): EtcdMember[] {
  const rows = text.split("\n").filter((line) => line.trim() !== "");
  const header = rows.shift()?.split(/\s{2,}/) ?? [];
  const column = (name: string) => header.indexOf(name);
  return rows.map((row) => {
    const cells = row.trim().split(/\s{2,}/);
    const peer = cells[column("PEER URLS")] ?? "";
    return {
      hostname: cells[column("HOSTNAME")] ?? "",
      peerIp: /\/\/([^:/,]+)/.exec(peer)?.[1] ?? "",
      learner: (cells[column("LEARNER")] ?? "false") === "true",
    };
  });
}

/** `talosctl version`: the `Tag:` line after `Server:`. */
export function parseServerTag(text: string): string | undefined {
  const server = text.split(/^Server:\s*$/m)[1];
  return server === undefined ? undefined : /^\s*Tag:\s*(\S+)/m.exec(server)?.[1];
}

/** `apply-config --dry-run` prints `No changes.` when the config on the node is the same. */
export function dryRunHasChanges(text: string): boolean {
  return !/^No changes\.?\s*$/m.test(text);
}

/** The config lines a dry-run diff would change (`+`/`-` lines, without the file headers). */
export function dryRunChangedLines(text: string): string[] {
  return text.split("\n").filter((line) => /^[+-](?![+-]{2})/.test(line));
}
