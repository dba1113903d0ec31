import { existsSync } from "node:fs";
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
import { cniInstalled, connect, type Env, fluxObjects } from "./kube-api.ts";
import type { FakeView } from "./world-view.ts";

/**
 * The fake `flux` CLI over the lab world: check, bootstrap git, reconcile, get ks|hr. As in real
 * flux, every logger line (►, ✔, ◎, ✗) goes to STDERR and only tables go to stdout
 * (fluxcd/flux2@v2.9.4 cmd/flux/main.go:126 `logger = stderrLogger{stderr: os.Stderr}`,
 * cmd/flux/log.go:28-54); a failing command prints `✗ <error>` and exits 1 (main.go:216-217).
 */

/** A failure after some progress lines: all of it is logger output, so all of it is stderr. */
const failed = (progress: string, error: string) => new CliExit(1, `${progress}✗ ${error}\n`);

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
const CONTROLLERS = [
  "helm-controller",
  "kustomize-controller",
  "notification-controller",
  "source-controller",
];

export function flux(
  argv: readonly string[],
  env: Env,
  change: <T>(body: (view: FakeView) => T) => T,
): CliOutput {
  const parsed = parseCli(argv, SPEC);
  const [verb] = parsed.positionals;
  const outcome = change((view) => {
    try {
      connect(view, parsed, env, "flux");
      const output = run(view, verb, parsed);
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

function run(view: FakeView, verb: string | undefined, parsed: ParsedCli): CliOutput {
  switch (verb) {
    case "check":
      onlyFlags(parsed, [...GLOBAL, "pre"]);
      return report(check(view));
    case "bootstrap":
      onlyFlags(parsed, [
        ...GLOBAL,
        "url",
        "branch",
        "path",
        "private-key-file",
        "silent",
        "allow-insecure-http",
      ]);
      return report(bootstrap(view, parsed));
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

function bootstrap(view: FakeView, parsed: ParsedCli): string {
  const { flux: state } = view.kubernetes;
  if (parsed.positionals[1] !== "git") {
    throw new CliExit(1, `✗ unknown command "${parsed.positionals[1] ?? ""}" for "flux bootstrap"\n`);
  }
  state.bootstrapCalls++;
  const url = flag(parsed, "url") ?? "";
  const branch = flag(parsed, "branch") ?? "main";
  const path = flag(parsed, "path") ?? "";
  const keyFile = flag(parsed, "private-key-file");
  const cloning = `► cloning branch "${branch}" from Git repository "${url}"\n`;
  if (url === "") {
    throw new CliExit(1, "✗ --url is required\n");
  }
  // fluxcd/flux2@v2.9.4 cmd/flux/bootstrap_git.go:380-383 (getAuthOpts, case "http").
  if (url.startsWith("http://") && !hasFlag(parsed, "allow-insecure-http")) {
    throw new CliExit(1, "✗ scheme http is insecure, pass --allow-insecure-http=true to allow it\n");
  }
  if (keyFile !== undefined && !existsSync(keyFile)) {
    throw failed(cloning, `open ${keyFile}: no such file or directory`);
  }
  if (view.faults.fluxSshAuthFails) {
    throw failed(
      cloning,
      `failed to clone repository: unable to clone '${url}': ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain`,
    );
  }
  const installing = `${cloning}✔ cloned repository\n► generating component manifests\n✔ generated component manifests\n► installing components in "flux-system" namespace\n✔ installed components\n✔ reconciled components\n`;
  if (!cniInstalled(view)) {
    throw failed(
      installing,
      "install failed: timeout waiting for: [Deployment/flux-system/helm-controller status: 'InProgress', Deployment/flux-system/kustomize-controller status: 'InProgress', Deployment/flux-system/source-controller status: 'InProgress']",
    );
  }
  Object.assign(state, { installed: true, url, branch, path });
  return `${installing}► generating sync manifests\n✔ generated sync manifests\n► applying sync manifests\n✔ reconciled sync configuration\n◎ waiting for GitRepository "flux-system/flux-system" to be reconciled\n✔ GitRepository reconciled successfully\n◎ waiting for Kustomization "flux-system/flux-system" to be reconciled\n✔ Kustomization reconciled successfully\n► confirming components are healthy\n${CONTROLLERS.map((name) => `✔ ${name}: deployment ready\n`).join("")}✔ all components are healthy\n`;
}

function reconcile(view: FakeView, parsed: ParsedCli): string {
  const [, kind, name = ""] = parsed.positionals;
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
  const source = hasFlag(parsed, "with-source")
    ? `► annotating GitRepository flux-system in flux-system namespace\n✔ GitRepository annotated\n◎ waiting for GitRepository reconciliation\n✔ fetched revision ${object.revision}\n`
    : "";
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
  const header = which === "Kustomization" ? "REVISION" : "REVISION";
  const lines = rows.map(
    (row) =>
      `${row.namespace}\t${row.name}\t${row.revision}\tFalse    \t${row.ready ? "True" : "False"}\t${row.message}`,
  );
  return `NAMESPACE\tNAME\t${header}\tSUSPENDED\tREADY\tMESSAGE\n${lines.join("\n")}\n`;
}
