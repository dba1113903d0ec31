import { relative } from "node:path";
import { pathExists } from "../../adapters/state-store/atomic-file.ts";
import { type ClusterFile, type ResolvedNode, resolveNodes, talosIsoUrl } from "../cluster-file/index.ts";
import { generatedPaths } from "../stages/index.ts";
import { parseDisksTable, parseServerTag, runToolOrThrow, type TalosDisk } from "../tools/index.ts";
import { type FactSheet, plain, plainWords } from "./fact-sheet.ts";

/** One talosctl call's limit: a node that does not answer must not hold the case file up. */
const TALOSCTL_TIMEOUT_MS = 10_000;

export interface TalosFactOptions {
  /** The user's checkout: where the talos stage writes talosconfig, kubeconfig and secrets. */
  readonly repoRoot: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Also list each node's disks (the talos stage installs onto one). */
  readonly disks: boolean;
  /** Only these vmids' nodes (those whose VM exists); all when absent. */
  readonly vmids?: ReadonlySet<number>;
}

type Answer = { mode: "maintenance" | "configured"; tag: string | undefined };

/**
 * Each node of the cluster file against what answers at its address: the Talos version it runs
 * (`talosctl version --insecure` answers only in maintenance mode, with the version of the ISO
 * it booted: siderolabs/talos@v1.12.4 cmd/talosctl/cmd/talos/version.go:53-54, 111), else the
 * configured API with the talosconfig; and the disks it sees (`talosctl get disks --insecure`,
 * the Talos guides' way to find the install disk, website/content/v1.10/talos-guides/install/
 * virtualized-platforms/proxmox.md:196) against the install disk the cluster file gives it.
 */
export async function talosFacts(
  sheet: FactSheet,
  cluster: ClusterFile,
  options: TalosFactOptions,
): Promise<void> {
  const { talosconfig } = generatedPaths(options.repoRoot);
  const haveTalosconfig = await pathExists(talosconfig);
  const nodes = resolveNodes(cluster).filter((node) => options.vmids?.has(node.vmid) ?? true);
  if (nodes.length === 0) {
    return;
  }
  const answers = await Promise.all(
    nodes.map((node) => answerOf(sheet, node, options, haveTalosconfig, talosconfig)),
  );
  sheet.add({
    title: "Talos nodes: the cluster file against what answers",
    source: "talosctl version --insecure -n <ip>",
    kind: "observed",
    lines: [
      `talos.version in the cluster file: ${plain(cluster.talos.version)}, whose ISO is ${talosIsoUrl(cluster)}`,
      ...nodes.map((node, index) => {
        const answer = answers[index];
        const who = `${plain(node.name)} ${plain(node.ip)} (vmid ${node.vmid}, MAC ${plain(node.mac)})`;
        if (answer === undefined) {
          return `${who}: does not answer the Talos API (the error is under "Could not be gathered")`;
        }
        return answer.mode === "maintenance"
          ? `${who}: answers in maintenance mode, Talos ${plain(answer.tag ?? "?")} (the ISO it booted; not installed yet)`
          : `${who}: answers with the talosconfig, Talos ${plain(answer.tag ?? "?")} installed`;
      }),
    ],
  });
  if (options.disks) {
    const disks = await Promise.all(
      nodes.map(async (node, index) => {
        const answer = answers[index];
        if (answer === undefined) {
          return undefined;
        }
        const argv =
          answer.mode === "maintenance"
            ? ["talosctl", "get", "disks", "--insecure", "-n", node.ip]
            : ["talosctl", "--talosconfig", talosconfig, "-n", node.ip, "-e", node.ip, "get", "disks"];
        const found = await sheet.attempt(`talosctl get disks -n ${node.ip}`, async () =>
          parseDisksTable(await talosctl(argv, options)),
        );
        return found && disksLine(node, found);
      }),
    );
    sheet.add({
      title: "Disks each node sees, against the cluster file's install disk",
      source: "talosctl get disks --insecure -n <ip>",
      kind: "observed",
      lines: disks.filter((line) => line !== undefined),
    });
  }
}

async function answerOf(
  sheet: FactSheet,
  node: ResolvedNode,
  options: TalosFactOptions,
  haveTalosconfig: boolean,
  talosconfig: string,
): Promise<Answer | undefined> {
  let insecureError: unknown;
  try {
    const text = await talosctl(["talosctl", "version", "--insecure", "-n", node.ip], options);
    return { mode: "maintenance", tag: parseServerTag(text) };
  } catch (error) {
    insecureError = error;
  }
  if (haveTalosconfig) {
    const argv = ["talosctl", "--talosconfig", talosconfig, "-n", node.ip, "-e", node.ip, "version"];
    const secure = await sheet.attempt(`talosctl version -n ${node.ip} (with the talosconfig)`, () =>
      talosctl(argv, options),
    );
    if (secure !== undefined) {
      return { mode: "configured", tag: parseServerTag(secure) };
    }
  }
  sheet.fail(`talosctl version --insecure -n ${node.ip}`, insecureError);
  return undefined;
}

function disksLine(node: ResolvedNode, disks: readonly TalosDisk[]): string {
  const wanted =
    typeof node.installDisk === "string"
      ? plain(node.installDisk)
      : `selector ${Object.entries(node.installDisk)
          .map(([key, value]) => `${key}=${plain(value)}`)
          .join(",")}`;
  const listed =
    disks.length === 0
      ? "none"
      : disks
          .map((disk) => `${plain(disk.path)} (${[plainWords(disk.size), plain(disk.transport)].join(", ")})`)
          .join(", ");
  return `${plain(node.name)} ${plain(node.ip)}: disks ${listed}; install disk in the cluster file: ${wanted}`;
}

function talosctl(argv: readonly string[], options: TalosFactOptions): Promise<string> {
  return runToolOrThrow(argv, { cwd: options.repoRoot, env: options.env, timeoutMs: TALOSCTL_TIMEOUT_MS });
}

/**
 * Where the talos stage keeps what it generates, in the user's checkout, and whether each is
 * there yet: names only, never read (they are secret).
 */
export async function generatedFileFacts(sheet: FactSheet, repoRoot: string): Promise<void> {
  const paths = generatedPaths(repoRoot);
  const files = [
    ["secrets (talosctl gen secrets)", paths.secrets],
    ["talosconfig", paths.talosconfig],
    ["kubeconfig", paths.kubeconfig],
  ] as const;
  const lines = await Promise.all(
    files.map(
      async ([what, path]) =>
        `${what}: ${plain(relative(repoRoot, path))} in the repo's folder, ${(await pathExists(path)) ? "present" : "not there yet"}`,
    ),
  );
  sheet.add({
    title: "Generated credentials (names only, never read)",
    source: "the repo's folder",
    kind: "observed",
    lines,
  });
}
