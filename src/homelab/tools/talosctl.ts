import { join } from "node:path";
import { runTool, runToolOrThrow, ToolError, type ToolOptions, type ToolRun } from "./run-tool.ts";
import {
  type EtcdMember,
  parseDisksTable,
  parseEtcdMembers,
  parseServerTag,
  parseServiceOutput,
  type TalosDisk,
  type TalosService,
} from "./talosctl-output.ts";

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
