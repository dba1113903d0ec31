import { join } from "node:path";
import { runTool, runToolOrThrow, ToolError, type ToolOptions, type ToolRun } from "./run-tool.ts";

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
  /**
   * Where the files go: `<outputDir>/controlplane.yaml`, `worker.yaml`, `talosconfig`. With one
   * output type talosctl takes `-o` as the file itself, so the file path is passed then.
   */
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

/** One row of `talosctl get disks` (the Disk resource). */
export interface TalosDisk {
  /** `/dev/<id>` */
  readonly path: string;
  readonly size: string;
  readonly readOnly: boolean;
  readonly transport: string;
  readonly wwid: string;
  readonly model: string;
  readonly serial: string;
}

/** Block devices that are never an install target: loop, CD-ROM, RAM and mapper devices. */
const NOT_A_DISK = /^(?:loop|sr|ram|zram|nbd|dm-|md)\d*/;

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

  /** Both streams of a call that succeeded: talosctl reports some results on stderr. */
  private async runBoth(args: readonly string[]): Promise<ToolRun> {
    const run = await runTool([this.options.binary ?? "talosctl", ...args], this.options);
    if (run.exitCode !== 0) {
      throw new ToolError(run);
    }
    return run;
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
    // One output type: -o names the FILE (siderolabs/talos@v1.12.4
    // cmd/talosctl/cmd/mgmt/gen/config.go:380-389, since 1.4); several: a directory.
    const [only, ...more] = input.outputTypes;
    const output =
      only !== undefined && more.length === 0
        ? join(input.outputDir, only === "talosconfig" ? "talosconfig" : `${only}.yaml`)
        : input.outputDir;
    args.push("--output-types", input.outputTypes.join(","), "-o", output, "--force");
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

  /**
   * Applies (or with dryRun previews) a config and returns talosctl's report: the summary and the
   * dry-run diff are printed to STDERR (siderolabs/talos@v1.12.4
   * cmd/talosctl/pkg/talos/helpers/mode.go:106-115), so stderr is the answer here.
   */
  async applyConfig(
    ip: string,
    file: string,
    mode: { insecure?: boolean; dryRun?: boolean },
  ): Promise<string> {
    const args = mode.insecure
      ? ["apply-config", "--insecure", "-n", ip, "-f", file]
      : [
          "--talosconfig",
          this.options.talosconfig,
          "-n",
          ip,
          "-e",
          ip,
          "apply-config",
          "-f",
          file,
          ...(mode.dryRun ? ["--dry-run"] : []),
        ];
    return (await this.runBoth(args)).stderr;
  }

  /**
   * The disks a maintenance-mode node sees: `talosctl get disks --insecure -n <ip>` (the Talos
   * guides' own way to find the install disk, siderolabs/talos@v1.10.0
   * website/content/v1.10/talos-guides/install/virtualized-platforms/proxmox.md:196).
   */
  async disks(ip: string): Promise<TalosDisk[]> {
    return parseDisksTable(await this.run(["get", "disks", "--insecure", "-n", ip]));
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

/**
 * `talosctl service <id>`: `STATE    Running` / `HEALTH   OK` / `EVENTS   [..]: ..` lines. Events
 * are printed NEWEST FIRST (siderolabs/talos@v1.12.4 pkg/machinery/formatters/formatters.go:233-234
 * walks them from the end), so `events[0]` is the latest.
 */
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

/**
 * `apply-config --dry-run` reports `Config diff:`, a blank line and `No changes.` when the node's
 * config is the same (siderolabs/talos@v1.12.4
 * internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go:320-331). A report without
 * `Config diff:` is no answer at all and counts as changed, never as unchanged.
 */
export function dryRunHasChanges(text: string): boolean {
  return !/^Config diff:\s*\n\s*No changes\.?\s*$/m.test(text);
}

/** The config lines a dry-run diff would change (`+`/`-` lines, without the `---`/`+++` headers). */
export function dryRunChangedLines(text: string): string[] {
  return text.split("\n").filter((line) => /^[+-](?![+-]{2} [ab]$)/.test(line));
}

/**
 * Changed lines that touch the install disk or wipe. A unified diff line is the marker then the
 * YAML line with its indent (`+        disk: /dev/vda`; siderolabs/talos@v1.12.4
 * pkg/machinery/config/configdiff/configdiff.go:116-119), so the key follows the marker and spaces.
 */
export function dryRunRiskyLines(text: string): string[] {
  return dryRunChangedLines(text).filter((line) => /^[+-]\s*(disk|diskSelector|wipe):/.test(line));
}

/**
 * `talosctl get disks` as a table: NODE NAMESPACE TYPE ID VERSION SIZE "READ ONLY" TRANSPORT
 * ROTATIONAL WWID MODEL SERIAL (siderolabs/talos@v1.12.4 pkg/machinery/resources/block/disk.go:79-107;
 * cmd/talosctl/cmd/talos/output/table.go:42-76), columns found by their header offsets since
 * empty cells leave only spaces. Loop devices, CD-ROMs and read-only devices are left out: they
 * are never an install disk.
 */
export function parseDisksTable(table: string): TalosDisk[] {
  const lines = table.split("\n").filter((line) => line.trim() !== "");
  const header = lines.find((line) => /\bNAMESPACE\b.*\bTYPE\b.*\bID\b/.test(line));
  if (header === undefined) {
    return [];
  }
  const names = ["ID", "VERSION", "SIZE", "READ ONLY", "TRANSPORT", "ROTATIONAL", "WWID", "MODEL", "SERIAL"];
  const starts = names.map((name) => ({ name, at: header.search(new RegExp(`(?<=^|\\s)${name}(?=\\s|$)`)) }));
  const disks: TalosDisk[] = [];
  for (const line of lines.slice(lines.indexOf(header) + 1)) {
    const cell = (name: string) => {
      const index = starts.findIndex((start) => start.name === name);
      const from = starts[index]?.at ?? -1;
      if (from < 0) {
        return "";
      }
      const next = starts.slice(index + 1).find((start) => start.at > from)?.at;
      return line.slice(from, next).trim();
    };
    const id = cell("ID");
    if (!/\bDisk\b/.test(line.slice(0, starts[0]?.at)) || id === "" || NOT_A_DISK.test(id)) {
      continue;
    }
    const readOnly = cell("READ ONLY") === "true";
    if (readOnly) {
      continue;
    }
    disks.push({
      path: `/dev/${id}`,
      size: cell("SIZE"),
      readOnly,
      transport: cell("TRANSPORT"),
      wwid: cell("WWID"),
      model: cell("MODEL"),
      serial: cell("SERIAL"),
    });
  }
  return disks;
}
