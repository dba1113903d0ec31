import { runToolOrThrow, type ToolOptions } from "./run-tool.ts";

/** `flux` with argv and an explicit `--kubeconfig`; failures throw a `ToolError`. */
export interface FluxOptions extends ToolOptions {
  readonly kubeconfig: string;
  readonly binary?: string;
}

export interface FluxBootstrapInput {
  readonly url: string;
  readonly branch: string;
  readonly path: string;
  readonly privateKeyFile?: string;
}

/** One row of `flux get ks|hr -A`. */
export interface FluxObjectStatus {
  readonly namespace: string;
  readonly name: string;
  readonly ready: string;
  readonly message: string;
}

export class Flux {
  readonly options: FluxOptions;

  constructor(options: FluxOptions) {
    this.options = options;
  }

  run(args: readonly string[]): Promise<string> {
    return runToolOrThrow(
      [this.options.binary ?? "flux", "--kubeconfig", this.options.kubeconfig, ...args],
      this.options,
    );
  }

  check(): Promise<string> {
    return this.run(["check"]);
  }

  /** Safe to re-run: flux bootstrap reconciles what is already there. */
  bootstrapGit(input: FluxBootstrapInput): Promise<string> {
    return this.run([
      "bootstrap",
      "git",
      `--url=${input.url}`,
      `--branch=${input.branch}`,
      `--path=${input.path}`,
      ...(input.privateKeyFile === undefined ? [] : [`--private-key-file=${input.privateKeyFile}`]),
      "--silent",
    ]);
  }

  reconcileKustomization(name: string, namespace = "flux-system"): Promise<string> {
    return this.run(["reconcile", "kustomization", name, "-n", namespace, "--with-source"]);
  }

  async kustomizations(): Promise<FluxObjectStatus[]> {
    return parseFluxGet(await this.run(["get", "kustomizations", "-A"]));
  }

  async helmReleases(): Promise<FluxObjectStatus[]> {
    return parseFluxGet(await this.run(["get", "helmreleases", "-A"]));
  }
}

/** `flux get <kind> -A`: tab-separated columns with padding; READY and MESSAGE by header. */
export function parseFluxGet(text: string): FluxObjectStatus[] {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const header = lines.shift()?.split(/\s*\t\s*/) ?? [];
  return lines.map((line) => {
    const cells = line.split(/\s*\t\s*/);
    const cell = (name: string) => (cells[header.indexOf(name)] ?? "").trim();
    return {
      namespace: cell("NAMESPACE"),
      name: cell("NAME"),
      ready: cell("READY"),
      message: cell("MESSAGE"),
    };
  });
}
