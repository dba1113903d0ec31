import { runTool, ToolError, type ToolOptions, type ToolRun } from "./run-tool.ts";

/**
 * `flux` with argv and an explicit `--kubeconfig`; failures throw a `ToolError`. Every progress and
 * result line of flux (►, ✔, ◎, ✗, "all checks passed") goes through its logger to STDERR
 * (fluxcd/flux2@v2.9.4 cmd/flux/main.go:126, cmd/flux/log.go:28-54); only tables and YAML go to
 * stdout. So reports are read from stderr and tables from stdout.
 */
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

  /** Runs flux; resolves with both streams when it exits 0, else throws a `ToolError`. */
  async call(args: readonly string[]): Promise<ToolRun> {
    const run = await runTool(
      [this.options.binary ?? "flux", "--kubeconfig", this.options.kubeconfig, ...args],
      this.options,
    );
    if (run.exitCode !== 0) {
      throw new ToolError(withFailureLast(run));
    }
    return run;
  }

  /** Stdout of a flux command that prints a table or a document. */
  async run(args: readonly string[]): Promise<string> {
    return (await this.call(args)).stdout;
  }

  /** `flux check`'s report (stderr): it ends `✔ all checks passed` (fluxcd/flux2@v2.9.4 cmd/flux/check.go:131). */
  async check(): Promise<string> {
    return (await this.call(["check"])).stderr;
  }

  /**
   * Safe to re-run: flux bootstrap reconciles what is already there. Returns its report (stderr).
   * A plain http:// remote (a LAN Gitea, the lab's git server) is refused unless
   * `--allow-insecure-http` is given: "scheme http is insecure, pass --allow-insecure-http=true to
   * allow it" (fluxcd/flux2@v2.9.4 cmd/flux/bootstrap_git.go:108, 380-383).
   */
  async bootstrapGit(input: FluxBootstrapInput): Promise<string> {
    const run = await this.call([
      "bootstrap",
      "git",
      `--url=${input.url}`,
      `--branch=${input.branch}`,
      `--path=${input.path}`,
      ...(input.privateKeyFile === undefined ? [] : [`--private-key-file=${input.privateKeyFile}`]),
      ...(input.url.startsWith("http://") ? ["--allow-insecure-http"] : []),
      "--silent",
    ]);
    return run.stderr;
  }

  async reconcileKustomization(name: string, namespace = "flux-system"): Promise<string> {
    return (await this.call(["reconcile", "kustomization", name, "-n", namespace, "--with-source"])).stderr;
  }

  async kustomizations(): Promise<FluxObjectStatus[]> {
    return parseFluxGet(await this.list(["get", "kustomizations", "-A"]));
  }

  async helmReleases(): Promise<FluxObjectStatus[]> {
    return parseFluxGet(await this.list(["get", "helmreleases", "-A"]));
  }

  /**
   * A `flux get <kind>` table. An empty list is an ERROR in flux: exit 1 with
   * `✗ no <Kind> objects found in any namespace` (fluxcd/flux2@v2.9.4 cmd/flux/get.go:190-202,
   * main.go:216-217); that one answer means "none", every other failure goes up.
   */
  private async list(args: readonly string[]): Promise<string> {
    try {
      return await this.run(args);
    } catch (error) {
      if (error instanceof ToolError && /^✗ no \w+ objects found in /m.test(error.run.stderr)) {
        return "";
      }
      throw error;
    }
  }
}

/**
 * flux's progress lines share stderr with its failure (`✗ …`, fluxcd/flux2@v2.9.4 cmd/flux/log.go:48-50,
 * main.go:216): the error the stage reports is the ✗ line, so the progress moves to stdout's side
 * of the record (still in the log, no longer in the error line).
 */
function withFailureLast(run: ToolRun): ToolRun {
  const lines = run.stderr.split("\n");
  const failures = lines.filter((line) => line.startsWith("✗"));
  if (failures.length === 0) {
    return run;
  }
  const progress = lines.filter((line) => !line.startsWith("✗") && line.trim() !== "");
  return {
    ...run,
    stdout: `${run.stdout}${progress.map((line) => `${line}\n`).join("")}`,
    stderr: `${failures.join("\n")}\n`,
  };
}

/**
 * `flux get <kind> -A`: tab-separated columns with padding; READY and MESSAGE by header. A
 * multi-line message (helm's schema refusal) continues on lines whose other columns are empty
 * (fluxcd/flux2@v2.9.4 pkg/printers/table_printer.go prints rows with olekukonko/tablewriter):
 * they belong to the message above.
 */
export function parseFluxGet(text: string): FluxObjectStatus[] {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  // Cells are padded with spaces and separated by one tab each, so an empty cell (a HelmRelease
  // with no revision yet) is spaces between two tabs: split on each tab, then trim.
  const header =
    lines
      .shift()
      ?.split("\t")
      .map((cell) => cell.trim()) ?? [];
  const rows: FluxObjectStatus[] = [];
  for (const line of lines) {
    const cells = line.split("\t").map((cell) => cell.trim());
    const previous = rows.at(-1);
    if (cells[0] === "" && previous !== undefined) {
      rows[rows.length - 1] = { ...previous, message: `${previous.message}\n${cells.at(-1) ?? ""}` };
      continue;
    }
    const cell = (name: string) => (cells[header.indexOf(name)] ?? "").trim();
    rows.push({
      namespace: cell("NAMESPACE"),
      name: cell("NAME"),
      ready: cell("READY"),
      message: cell("MESSAGE"),
    });
  }
  return rows;
}
