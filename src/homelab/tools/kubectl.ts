import { runToolOrThrow, type ToolOptions } from "./run-tool.ts";

/** `kubectl` with argv and an explicit `--kubeconfig`; failures throw a `ToolError`. */
export interface KubectlOptions extends ToolOptions {
  readonly kubeconfig: string;
  readonly binary?: string;
}

export class Kubectl {
  readonly options: KubectlOptions;

  constructor(options: KubectlOptions) {
    this.options = options;
  }

  run(args: readonly string[]): Promise<string> {
    return runToolOrThrow(
      [this.options.binary ?? "kubectl", "--kubeconfig", this.options.kubeconfig, ...args],
      this.options,
    );
  }

  raw(path: string): Promise<string> {
    return this.run(["get", "--raw", path]);
  }

  /** `kubectl wait nodes --all --for=condition=Ready[=False]`. */
  waitNodes(condition: "Ready" | "Ready=False", timeout: string): Promise<string> {
    return this.run(["wait", "nodes", "--all", `--for=condition=${condition}`, `--timeout=${timeout}`]);
  }

  applyServerSide(file: string): Promise<string> {
    return this.run(["apply", "--server-side", "--force-conflicts", "-f", file]);
  }

  /** Names and readiness of every node, from `get nodes -o json`. */
  async nodes(): Promise<{ name: string; ready: string }[]> {
    const list = JSON.parse(await this.run(["get", "nodes", "-o", "json"])) as {
      items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[];
    };
    return list.items.map((item) => ({
      name: item.metadata.name,
      ready: item.status?.conditions?.find((condition) => condition.type === "Ready")?.status ?? "Unknown",
    }));
  }
}

/**
 * A `kubectl get` table as rows keyed by header. kubectl aligns its columns with a tabwriter
 * (left-aligned, padding 3: k8s.io/cli-runtime pkg/printers/tabwriter.go), so every cell starts
 * where its header starts: cells are cut at those offsets, which keeps an empty cell (DENIED) and
 * a cell with single spaces inside it (a STATUS message) in their columns.
 */
export function parseKubectlTable(text: string): Record<string, string>[] {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const header = lines.shift() ?? "";
  const columns = [...header.matchAll(/\S+(?: \S+)*/g)].map((match) => ({
    name: match[0],
    start: match.index,
  }));
  return lines.map((line) =>
    Object.fromEntries(
      columns.map((column, index) => [
        column.name,
        line.slice(column.start, columns[index + 1]?.start ?? line.length).trim(),
      ]),
    ),
  );
}
