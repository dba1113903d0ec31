import type { ParsedArgs } from "./parse-args.ts";
import { allOf, hasFlag } from "./parse-args.ts";
import type { ToolPolicy } from "./tool-policy.ts";
import { followFlag, judgeVerb, notReadOnly, otherCredentialsFlag } from "./tool-policy.ts";

const SECRETS_NEVER = "reading Kubernetes Secrets is never allowed";

export const KUBECONFIG_FLAGS = [
  "--kubeconfig",
  "--context",
  "--cluster",
  "-s",
  "--server",
  "--token",
  "--as",
  "--as-group",
  "--as-uid",
  "--user",
  "--username",
  "--password",
  "--client-certificate",
  "--client-key",
  "--certificate-authority",
  "--insecure-skip-tls-verify",
  "--tls-server-name",
  "--kuberc",
];
export const KUBE_VALUE_FLAGS = KUBECONFIG_FLAGS.filter((flag) => flag !== "--insecure-skip-tls-verify");

function isSecretType(word: string): boolean {
  // `secrets`, `secret/x`, `secrets.v1.`, `Secret`, `pods,secrets`
  return word.split(",").some((part) => /^secrets?(?:\.|$)/i.test(part.split("/")[0] ?? ""));
}

/**
 * A `--raw` path is judged as the API server will read it. kubectl (v1.32.4, run with -v=6)
 * requests `/api/v1/namespaces/default/secrets` for `--raw '/api/v1/namespaces/default/secrets#x'`:
 * it drops a `#fragment`. It sends
 * `?query` apart from the path, and the server resolves `.` and `..` segments and decodes
 * percent-escapes; so a fragment, a backslash and percent-encoding are refused outright, and the
 * path is judged both as written and with its dot segments resolved.
 */
function rawPathProblem(path: string): string | undefined {
  if (path.includes("%")) {
    // The API server decodes the path, so `secret%73` would read Secrets past the check below.
    return "kubectl get --raw paths may not contain percent-encoding";
  }
  if (path.includes("#") || path.includes("\\")) {
    return "kubectl get --raw paths may not contain # or \\: kubectl would read another path than the one judged";
  }
  const [pathPart = "", query = ""] = path.split("?", 2);
  if (/secret/i.test(query)) {
    return SECRETS_NEVER;
  }
  let resolved = pathPart;
  try {
    resolved = new URL(pathPart, "https://api-server.invalid/").pathname;
  } catch {
    return `kubectl get --raw ${path} is not a path the API server reads alike`;
  }
  const segments = [...pathPart.split(/[/;]/), ...resolved.split(/[/;]/)];
  if (segments.some((segment) => /^secrets?\b/i.test(segment))) {
    return SECRETS_NEVER;
  }
  return undefined;
}

/**
 * -o formats that read a template from a local file: go-template-file and templatefile
 * (kubernetes/cli-runtime pkg/genericclioptions/template_flags.go, templateFormats),
 * jsonpath-file (jsonpath_flags.go, jsonFormats) and custom-columns-file (kubectl get --help).
 */
function outputFileFormat(args: ParsedArgs): string | undefined {
  for (const output of allOf(args, "-o", "--output")) {
    if (/file/i.test(output.value ?? "")) {
      return `kubectl -o ${output.value ?? ""} is not allowed: it reads a template from a local file`;
    }
  }
  return undefined;
}

function kubectlRead(args: ParsedArgs): string | undefined {
  const verb = args.positionals[0] ?? "";
  if (args.positionals.slice(1).some(isSecretType)) {
    return SECRETS_NEVER;
  }
  for (const raw of allOf(args, "--raw")) {
    const problem = rawPathProblem(raw.value ?? "");
    if (problem) {
      return problem;
    }
  }
  const file = hasFlag(args, "-f", "--filename", "-k", "--kustomize");
  if (file) {
    return `kubectl ${verb} ${file.flag} is not allowed: it names objects in local files, which may be Secrets`;
  }
  return followFlag(args, verb, ["-w", "--watch", "--watch-only"]);
}

const KUBECTL_ALLOWS =
  "get, describe, logs, events, top, version, api-resources, api-versions, explain, cluster-info, auth can-i|whoami, rollout status|history";

export const KUBECTL: ToolPolicy = {
  allows: KUBECTL_ALLOWS,
  valueFlags: new Set([
    ...KUBE_VALUE_FLAGS,
    "-n",
    "--namespace",
    "-l",
    "--selector",
    "-o",
    "--output",
    "--field-selector",
    "-c",
    "--container",
    "--tail",
    "--since",
    "--since-time",
    "--sort-by",
    "--template",
    "-L",
    "--label-columns",
    "--request-timeout",
    "-v",
    "--v",
    "--raw",
    "-f",
    "--filename",
    "-k",
    "--kustomize",
    "--chunk-size",
    "--subresource",
    "--limit-bytes",
    "--max-log-requests",
    "--for",
    "--types",
    "--cache-dir",
    "--log-file",
    "--profile",
    "--profile-output",
    "--revision",
    "--tls-server-name",
    "--kuberc",
  ]),
  check(args) {
    const credentials = otherCredentialsFlag(args, KUBECONFIG_FLAGS);
    if (credentials) {
      return credentials;
    }
    const fileFormat = outputFileFormat(args);
    if (fileFormat) {
      return fileFormat;
    }
    const writes = hasFlag(args, "--log-file", "--profile-output", "--cache-dir");
    if (writes) {
      return `${writes.flag} is not allowed: diagnostics write no files`;
    }
    const [verb] = args.positionals;
    const mutating = "is not read-only";
    return judgeVerb(
      args,
      verb,
      {
        get: kubectlRead,
        describe: kubectlRead,
        logs: (a) => followFlag(a, "logs", ["-f", "--follow"]),
        events: (a) => followFlag(a, "events", ["-w", "--watch"]),
        top: null,
        version: null,
        "api-resources": null,
        "api-versions": null,
        explain: null,
        "cluster-info": (a) =>
          a.positionals[1] === "dump"
            ? "kubectl cluster-info dump copies the whole cluster state and can write files: use get or describe"
            : undefined,
        auth: (a) =>
          ["can-i", "whoami"].includes(a.positionals[1] ?? "")
            ? undefined
            : `kubectl auth ${a.positionals[1] ?? ""} ${mutating}: only auth can-i and auth whoami are`,
        rollout: (a) =>
          ["status", "history"].includes(a.positionals[1] ?? "")
            ? undefined
            : `kubectl rollout ${a.positionals[1] ?? ""} ${mutating}: only rollout status and rollout history are`,
      },
      {
        exec: "kubectl exec runs commands inside a container, which is not read-only",
        cp: "kubectl cp copies files into or out of a container",
        "port-forward": "kubectl port-forward opens a tunnel into the cluster",
        proxy: "kubectl proxy opens a proxy to the API server that never ends",
        debug: "kubectl debug starts a debugging container, which is not read-only",
        attach: "kubectl attach attaches to a running container",
        config: "kubectl config reads or changes client credentials",
        wait: "kubectl wait blocks until a condition holds: use get or describe to look at it",
        kustomize: "kubectl kustomize renders local files, which may hold secrets",
        ...notReadOnly("kubectl", [
          "delete",
          "apply",
          "edit",
          "patch",
          "scale",
          "drain",
          "cordon",
          "uncordon",
          "label",
          "annotate",
          "create",
          "replace",
          "run",
          "expose",
          "set",
          "taint",
          "autoscale",
          "certificate",
        ]),
      },
      KUBECTL_ALLOWS,
    );
  },
};
