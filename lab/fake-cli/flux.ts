import {
  CliExit,
  type CliOutput,
  type FlagSpec,
  flag,
  hasFlag,
  onlyFlags,
  type ParsedCli,
  parseCli,
} from "./args.ts";
import { type BootstrapGit, bootstrap, bootstrapGit, CONTROLLERS, failed } from "./flux-bootstrap.ts";
import { connect, type Env, fluxObjects } from "./kube-api.ts";
import { refreshSource } from "./source-refresh.ts";
import type { FakeView } from "./world-view.ts";

/**
 * The fake `flux` CLI over the lab world: check, bootstrap git, reconcile, get ks|hr. As in real
 * flux, every logger line (►, ✔, ◎, ✗) goes to STDERR and only tables go to stdout
 * (fluxcd/flux2@v2.9.4 cmd/flux/main.go:126 `logger = stderrLogger{stderr: os.Stderr}`,
 * cmd/flux/log.go:28-54); a failing command prints `✗ <error>` and exits 1 (main.go:216-217).
 */

const SPEC: FlagSpec = {
  long: Object.fromEntries([
    ...[
      "kubeconfig",
      "context",
      "namespace",
      "url",
      "branch",
      "path",
      "private-key-file",
      "status-selector",
      "timeout",
    ].map((name) => [name, true]),
    ...["all-namespaces", "with-source", "silent", "pre", "allow-insecure-http"].map((name) => [name, false]),
  ]),
  short: { n: "namespace", A: "all-namespaces", s: "silent" },
};

const GLOBAL = ["kubeconfig", "context", "namespace", "timeout"];

/**
 * Answers one flux call. Git work (bootstrap's clone and push, source fetches) happens first,
 * outside the world lock; then the command runs over the world as the fetch left it.
 */
export async function flux(
  argv: readonly string[],
  env: Env,
  change: <T>(body: (view: FakeView) => T) => T,
  worldFile: string,
): Promise<CliOutput> {
  const parsed = parseCli(argv, SPEC);
  const [verb] = parsed.positionals;
  let bootstrapped: BootstrapGit | undefined;
  if (verb === "bootstrap") {
    onlyFlags(parsed, [
      ...GLOBAL,
      "url",
      "branch",
      "path",
      "private-key-file",
      "silent",
      "allow-insecure-http",
    ]);
    bootstrapped = await bootstrapGit(parsed, env, worldFile);
  } else {
    const forced =
      verb === "reconcile" &&
      ((parsed.positionals[1] === "source" && parsed.positionals[2] === "git") ||
        hasFlag(parsed, "with-source"));
    await refreshSource(worldFile, forced);
  }
  const outcome = change((view) => {
    try {
      connect(view, parsed, env, "flux");
      const output = run(view, verb, parsed, bootstrapped);
      view.store();
      return { output, exit: undefined };
    } catch (error) {
      if (!(error instanceof CliExit)) {
        throw error;
      }
      view.store(); // a failed bootstrap is still counted
      return { output: undefined, exit: error };
    }
  });
  if (outcome.exit || !outcome.output) {
    throw outcome.exit;
  }
  return outcome.output;
}

/** Logger output only: the whole report is stderr. */
const report = (text: string): CliOutput => ({ stdout: "", stderr: text });

function run(
  view: FakeView,
  verb: string | undefined,
  parsed: ParsedCli,
  bootstrapped?: BootstrapGit,
): CliOutput {
  switch (verb) {
    case "check":
      onlyFlags(parsed, [...GLOBAL, "pre"]);
      return report(check(view));
    case "bootstrap":
      return report(bootstrap(view, bootstrapped));
    case "reconcile":
      onlyFlags(parsed, [...GLOBAL, "with-source"]);
      return report(reconcile(view, parsed));
    case "get":
      onlyFlags(parsed, [...GLOBAL, "all-namespaces", "status-selector"]);
      return { stdout: get(view, parsed), stderr: "" };
    default:
      throw new CliExit(1, `✗ unknown command "${verb ?? ""}" for "flux"\n`);
  }
}

function check(view: FakeView): string {
  const head = "► checking prerequisites\n✔ Kubernetes 1.35.2 >=1.32.0-0\n► checking version in cluster\n";
  if (!view.kubernetes.flux.installed) {
    throw failed(head, "checking version in cluster failed: no flux installation found");
  }
  const controllers = CONTROLLERS.map(
    (name) => `✔ ${name}: deployment ready\n► ghcr.io/fluxcd/${name}:v1.4.0\n`,
  ).join("");
  return `${head}✔ distribution: flux-v2.7.5\n✔ bootstrapped: true\n► checking controllers\n${controllers}► checking crds\n✔ gitrepositories.source.toolkit.fluxcd.io/v1\n✔ helmreleases.helm.toolkit.fluxcd.io/v2\n✔ kustomizations.kustomize.toolkit.fluxcd.io/v1\n✔ all checks passed\n`;
}

/**
 * The GitRepository's reconcile, as `flux reconcile source git` prints it
 * (fluxcd/flux2@v2.9.4 cmd/flux/reconcile_source_git.go:49 `fetched revision …`); the fetch has
 * already run. A failed fetch shows its Ready message after ✗.
 */
function reconcileSource(view: FakeView, name: string): string {
  const { flux: state } = view.kubernetes;
  if (name !== "flux-system" || !state.installed) {
    throw new CliExit(1, `✗ gitrepositories.source.toolkit.fluxcd.io "${name}" not found\n`);
  }
  const head = `► annotating GitRepository ${name} in flux-system namespace\n✔ GitRepository annotated\n◎ waiting for GitRepository reconciliation\n`;
  if (state.fetchError !== null) {
    throw failed(head, state.fetchError);
  }
  return `${head}✔ fetched revision ${state.revision}\n`;
}

function reconcile(view: FakeView, parsed: ParsedCli): string {
  const [, kind, name = ""] = parsed.positionals;
  if (kind === "source" && parsed.positionals[2] === "git") {
    return reconcileSource(view, parsed.positionals[3] ?? "");
  }
  if (kind !== "kustomization" && kind !== "ks") {
    throw new CliExit(1, `✗ the fake flux reconciles kustomizations only, not "${kind ?? ""}"\n`);
  }
  const namespace = flag(parsed, "namespace") ?? "flux-system";
  const object = fluxObjects(view, "Kustomization").find(
    (ks) => ks.namespace === namespace && ks.name === name,
  );
  if (!object) {
    throw new CliExit(1, `✗ kustomizations.kustomize.toolkit.fluxcd.io "${name}" not found\n`);
  }
  view.kubernetes.flux.reconciles++;
  const source = hasFlag(parsed, "with-source") ? reconcileSource(view, "flux-system") : "";
  const head = `${source}► annotating Kustomization ${name} in ${namespace} namespace\n✔ Kustomization annotated\n◎ waiting for Kustomization reconciliation\n`;
  if (!object.ready) {
    throw failed(head, object.message);
  }
  return `${head}✔ applied revision ${object.revision}\n`;
}

function get(view: FakeView, parsed: ParsedCli): string {
  const kind = parsed.positionals[1] ?? "";
  const which = ["kustomizations", "kustomization", "ks"].includes(kind)
    ? "Kustomization"
    : ["helmreleases", "helmrelease", "hr"].includes(kind)
      ? "HelmRelease"
      : undefined;
  if (!which) {
    throw new CliExit(1, `✗ the fake flux gets ks and hr only, not "${kind}"\n`);
  }
  const selector = flag(parsed, "status-selector");
  const all = hasFlag(parsed, "all-namespaces");
  const namespace = flag(parsed, "namespace") ?? "flux-system";
  const listed = fluxObjects(view, which).filter((object) => all || object.namespace === namespace);
  // The status selector filters the rows after the emptiness check: no match prints the header only.
  const rows = listed.filter((object) => selector === undefined || `ready=${object.ready}` === selector);
  if (listed.length === 0) {
    // An empty list is an error: exit 1, `✗ no Kustomization objects found in any namespace`
    // (fluxcd/flux2@v2.9.4 cmd/flux/get.go:190-202, namespaceNameOrAny get.go:231-236).
    throw new CliExit(1, `✗ no ${which} objects found in ${all ? "any" : `"${namespace}"`} namespace\n`);
  }
  // tablewriter prints a multi-line cell (helm's schema refusal) as more lines with the other
  // columns empty (fluxcd/flux2@v2.9.4 pkg/printers/table_printer.go, olekukonko/tablewriter).
  const lines = rows.map((row) => {
    const [first = "", ...more] = row.message.split("\n");
    const head = `${row.namespace}\t${row.name}\t${row.revision}\t${row.suspended ? "True" : "False"}    \t${row.ready ? "True" : "False"}\t${first}`;
    return [head, ...more.map((line) => `\t\t\t\t\t${line}`)].join("\n");
  });
  return `NAMESPACE\tNAME\tREVISION\tSUSPENDED\tREADY\tMESSAGE\n${lines.join("\n")}\n`;
}
