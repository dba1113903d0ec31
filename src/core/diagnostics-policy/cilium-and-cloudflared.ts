import { KUBE_VALUE_FLAGS, KUBECONFIG_FLAGS } from "./kubectl.ts";
import type { ToolPolicy } from "./tool-policy.ts";
import { judgeVerb, otherCredentialsFlag } from "./tool-policy.ts";

export const CILIUM: ToolPolicy = {
  allows: "status, version",
  valueFlags: new Set([...KUBE_VALUE_FLAGS, "-n", "--namespace", "--wait-duration", "-o", "--output"]),
  check(args) {
    const credentials = otherCredentialsFlag(args, KUBECONFIG_FLAGS);
    if (credentials) {
      return credentials;
    }
    return judgeVerb(args, args.positionals[0], { status: null, version: null }, {}, "status, version");
  },
};

export const CLOUDFLARED: ToolPolicy = {
  allows: "tunnel list, tunnel info",
  valueFlags: new Set([
    "--origincert",
    "--cred-file",
    "--credentials-file",
    "--config",
    "--loglevel",
    "-o",
    "--output",
    "--token",
    "--token-file",
    "--credentials-contents",
  ]),
  check(args) {
    // cloudflared tunnel --help: --origincert is the account certificate, --config a file that may name any of these.
    const credentials = otherCredentialsFlag(args, [
      "--token",
      "--token-file",
      "--cred-file",
      "--credentials-file",
      "--credentials-contents",
      "--origincert",
      "--config",
    ]);
    if (credentials) {
      return credentials;
    }
    const [group, sub] = args.positionals;
    if (group !== "tunnel") {
      return `cloudflared ${group ?? "without a command"} is not on the read-only list (tunnel list, tunnel info)`;
    }
    if (sub === "list" || sub === "info") {
      return undefined;
    }
    if (sub === "token") {
      return "cloudflared tunnel token prints the tunnel's secret token";
    }
    return `cloudflared tunnel ${sub ?? ""} is not read-only: only tunnel list and tunnel info are`;
  },
};
