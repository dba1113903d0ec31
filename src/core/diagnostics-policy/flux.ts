import { KUBE_VALUE_FLAGS, KUBECONFIG_FLAGS } from "./kubectl.ts";
import type { ToolPolicy } from "./tool-policy.ts";
import { followFlag, judgeVerb, notReadOnly, otherCredentialsFlag } from "./tool-policy.ts";

const FLUX_ALLOWS = "check, get, tree, logs, events, stats, version, trace";

export const FLUX: ToolPolicy = {
  allows: FLUX_ALLOWS,
  valueFlags: new Set([
    ...KUBE_VALUE_FLAGS,
    "-n",
    "--namespace",
    "--level",
    "--kind",
    "--name",
    "--since",
    "--tail",
    "--status-selector",
    "--timeout",
    "--for",
    "--types",
    "--flux-namespace",
    "-o",
    "--output",
    "--label-selector",
    "-l",
  ]),
  check(args) {
    const credentials = otherCredentialsFlag(args, KUBECONFIG_FLAGS);
    if (credentials) {
      return credentials;
    }
    const [verb] = args.positionals;
    return judgeVerb(
      args,
      verb,
      {
        check: null,
        get: (a) => followFlag(a, "get", ["-w", "--watch"]),
        tree: null,
        logs: (a) => followFlag(a, "logs", ["-f", "--follow"]),
        events: (a) => followFlag(a, "events", ["-w", "--watch"]),
        stats: null,
        version: null,
        trace: null,
      },
      {
        reconcile:
          "flux reconcile is not read-only: it makes Flux act now (the loop does that, diagnostics only look)",
        ...notReadOnly("flux", [
          "suspend",
          "resume",
          "delete",
          "uninstall",
          "bootstrap",
          "install",
          "create",
          "push",
          "tag",
          "migrate",
        ]),
      },
      FLUX_ALLOWS,
    );
  },
};
