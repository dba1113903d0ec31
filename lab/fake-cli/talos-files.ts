import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import { CliExit, type CliOutput, flag, flagList, hasFlag, onlyFlags, type ParsedCli } from "./args.ts";
import {
  generatedExtraDocuments,
  mergeDocuments,
  minorOf,
  multiError,
  parseDocuments,
  serializeDocuments,
  validationErrors,
  type Yaml,
} from "./talos-machinery.ts";

/**
 * The talosctl commands that only touch files: `gen secrets`, `gen config`, `machineconfig patch`,
 * `validate`, `config endpoint|node`. The PKI is faked: a cluster id in the secrets bundle stands
 * for its CA, and configs and talosconfigs carry it, so a node can tell whose config it got.
 */

const b64 = (text: string) => Buffer.from(text).toString("base64");

export function genSecrets(parsed: ParsedCli): string {
  onlyFlags(parsed, ["output", "output-file", "talos-version", "force"]);
  const file = flag(parsed, "output-file") ?? flag(parsed, "output") ?? "secrets.yaml";
  if (existsSync(file) && !hasFlag(parsed, "force")) {
    throw new CliExit(1, `failed to validate output path: file ${file} already exists\n`);
  }
  const id = randomBytes(32).toString("base64");
  const secrets = {
    cluster: { id, secret: randomBytes(32).toString("base64") },
    secrets: {
      bootstraptoken: `${randomBytes(3).toString("hex")}.${randomBytes(8).toString("hex")}`,
      secretboxencryptionsecret: randomBytes(32).toString("base64"),
    },
    trustdinfo: { token: `${randomBytes(3).toString("hex")}.${randomBytes(8).toString("hex")}` },
    certs: {
      etcd: { crt: b64(`etcd-ca:${id}`), key: b64(`etcd-key:${id}`) },
      k8s: { crt: b64(`k8s-ca:${id}`), key: b64(`k8s-key:${id}`) },
      os: { crt: b64(`os-ca:${id}`), key: b64(`os-key:${id}`) },
    },
  };
  writeFileSync(file, stringify(secrets));
  return "";
}

/** The `gen config` flags that take a value; talosctl's flag table lists them from here. */
export const GEN_CONFIG_VALUE_FLAGS = [
  "with-secrets",
  "talos-version",
  "kubernetes-version",
  "install-image",
  "install-disk",
  "additional-sans",
  "config-patch",
  "config-patch-control-plane",
  "config-patch-worker",
  "output-types",
  "output",
];
const GEN_CONFIG_FLAGS = [...GEN_CONFIG_VALUE_FLAGS, "force", "with-docs", "with-examples"];

/**
 * `gen config`. Where it writes follows talosctl's `outputPaths()`: with ONE output type `-o` is
 * the FILE to write, with several it is a directory (siderolabs/talos@v1.12.4
 * cmd/talosctl/cmd/mgmt/gen/config.go:380-389; the same at @v1.10.0 config.go:377 and since 1.4),
 * so a directory given for one type fails as os.WriteFile does: `open <dir>: is a directory`.
 * `Created <path>` goes to stderr (config.go:353). The documents follow the contract of
 * `--talos-version` (talos-machinery.ts `generatedExtraDocuments`).
 */
export function genConfig(parsed: ParsedCli): CliOutput {
  onlyFlags(parsed, GEN_CONFIG_FLAGS);
  const [clusterName, endpoint] = parsed.positionals.slice(2);
  if (clusterName === undefined || endpoint === undefined) {
    throw new CliExit(1, `Error: accepts 2 arg(s), received ${parsed.positionals.length - 2}\n`);
  }
  if (!/^https:\/\/[^/]+:\d+$/.test(endpoint)) {
    throw new CliExit(1, `Error: endpoint URL should be in the form https://<host>:<port>: ${endpoint}\n`);
  }
  const secretsFile = flag(parsed, "with-secrets");
  let clusterId = randomBytes(32).toString("base64");
  if (secretsFile !== undefined) {
    if (!existsSync(secretsFile)) {
      throw new CliExit(1, `failed to load secrets bundle: open ${secretsFile}: no such file or directory\n`);
    }
    clusterId = String((parse(readFileSync(secretsFile, "utf8")) as { cluster: { id: string } }).cluster.id);
  }
  const talosVersion = flag(parsed, "talos-version") ?? "v1.12";
  const kubernetesVersion = (flag(parsed, "kubernetes-version") ?? "1.35.2").replace(/^v/, "");
  const minor = minorOf(talosVersion);
  const output = flag(parsed, "output") ?? ".";
  const types = flagList(parsed, "output-types");
  const wanted = types.length > 0 ? types : ["controlplane", "worker", "talosconfig"];
  const lines: string[] = [];
  for (const type of wanted) {
    const path =
      wanted.length === 1 ? output : join(output, type === "talosconfig" ? "talosconfig" : `${type}.yaml`);
    if (existsSync(path) && statSync(path).isDirectory()) {
      throw new CliExit(1, `open ${path}: is a directory\n`);
    }
    if (existsSync(path) && !hasFlag(parsed, "force")) {
      throw new CliExit(1, `${basename(path)} already exists, use --force to overwrite\n`);
    }
    let content: string;
    if (type === "talosconfig") {
      content = stringify({
        context: clusterName,
        contexts: {
          [clusterName]: {
            endpoints: ["127.0.0.1"],
            ca: b64(`os-ca:${clusterId}`),
            crt: b64(`admin-crt:${clusterId}`),
            key: b64(`admin-key:${clusterId}`),
          },
        },
      });
    } else if (type === "controlplane" || type === "worker") {
      let docs: Yaml[] = [
        v1alpha1Config(parsed, type, {
          clusterId,
          clusterName,
          endpoint,
          minor,
          kubernetesVersion,
          talosVersion,
        }),
        ...generatedExtraDocuments(minor),
      ];
      const patchFlags = [
        "config-patch",
        type === "controlplane" ? "config-patch-control-plane" : "config-patch-worker",
      ];
      for (const name of patchFlags) {
        for (const value of parsed.flags.get(name) ?? []) {
          docs = mergeDocuments(docs, readPatch(value));
        }
      }
      content = serializeDocuments(docs);
    } else {
      throw new CliExit(1, `Error: invalid output type: "${type}"\n`);
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    lines.push(`Created ${path}`);
  }
  return { stdout: "", stderr: `generating PKI and tokens\n${lines.join("\n")}\n` };
}

interface ConfigInputs {
  clusterId: string;
  clusterName: string;
  endpoint: string;
  minor: number;
  kubernetesVersion: string;
  talosVersion: string;
}

function v1alpha1Config(parsed: ParsedCli, type: string, input: ConfigInputs): Yaml {
  const { clusterId, clusterName, endpoint, minor, kubernetesVersion, talosVersion } = input;
  return {
    version: "v1alpha1",
    debug: false,
    persist: true,
    machine: {
      type,
      token: b64(`machine-token:${clusterId}`),
      ca: {
        crt: b64(`os-ca:${clusterId}`),
        key: type === "controlplane" ? b64(`os-key:${clusterId}`) : "",
      },
      certSANs: flagList(parsed, "additional-sans"),
      kubelet: { image: `ghcr.io/siderolabs/kubelet:v${kubernetesVersion}` },
      // An empty machine.network only below the 1.13 contract (siderolabs/talos@v1.13.9
      // pkg/machinery/config/generate/network.go:30-33).
      ...(minor < 13 ? { network: {} } : {}),
      install: {
        disk: flag(parsed, "install-disk") ?? "/dev/sda",
        image: flag(parsed, "install-image") ?? `ghcr.io/siderolabs/installer:${talosVersion}`,
        wipe: false,
        // Newer contracts write keys older machinery rejects (siderolabs/talos#6342).
        ...(minor >= 12 ? { grubUseUKICmdline: true } : {}),
      },
    },
    cluster: {
      id: clusterId,
      secret: b64(`cluster-secret:${clusterId}`),
      controlPlane: { endpoint },
      clusterName,
      network: {
        dnsDomain: "cluster.local",
        podSubnets: ["10.244.0.0/16"],
        serviceSubnets: ["10.96.0.0/12"],
      },
      token: b64(`bootstrap-token:${clusterId}`),
      ca: { crt: b64(`k8s-ca:${clusterId}`), key: b64(`k8s-key:${clusterId}`) },
      apiServer: { image: `registry.k8s.io/kube-apiserver:v${kubernetesVersion}` },
      // A control plane's other images carry the version too, so a node can refuse them
      // (siderolabs/talos@v1.12.4 pkg/machinery/config/generate/init.go:166-177).
      ...(type === "controlplane"
        ? {
            controllerManager: { image: `registry.k8s.io/kube-controller-manager:v${kubernetesVersion}` },
            proxy: { image: `registry.k8s.io/kube-proxy:v${kubernetesVersion}` },
            scheduler: { image: `registry.k8s.io/kube-scheduler:v${kubernetesVersion}` },
          }
        : {}),
    },
  };
}

function readPatch(value: string): Yaml[] {
  const text = value.startsWith("@")
    ? (() => {
        const file = value.slice(1);
        if (!existsSync(file)) {
          throw new CliExit(1, `open ${file}: no such file or directory\n`);
        }
        return readFileSync(file, "utf8");
      })()
    : value;
  const docs = parseDocuments(text);
  if (docs.length === 0) {
    throw new CliExit(1, "failed to parse config patch: expected a strategic merge patch\n");
  }
  return docs;
}

export function machineconfigPatch(parsed: ParsedCli): string {
  onlyFlags(parsed, ["patch", "output"]);
  const input = parsed.positionals[2];
  if (input === undefined || !existsSync(input)) {
    throw new CliExit(1, `open ${input ?? ""}: no such file or directory\n`);
  }
  let docs = parseDocuments(readFileSync(input, "utf8"));
  for (const value of parsed.flags.get("patch") ?? []) {
    docs = mergeDocuments(docs, readPatch(value));
  }
  const output = flag(parsed, "output");
  if (output === undefined) {
    return serializeDocuments(docs);
  }
  writeFileSync(output, serializeDocuments(docs));
  return "";
}

/**
 * `validate --mode metal -c <file>`: the CLIENT's machinery judges (talosctl's own version, from
 * the world), with the errors in talos-machinery.ts `validationErrors`.
 */
export function validate(parsed: ParsedCli, clientVersion: string): string {
  onlyFlags(parsed, ["mode", "config", "strict"]);
  const mode = flag(parsed, "mode") ?? "";
  if (!["metal", "cloud", "container"].includes(mode)) {
    throw new CliExit(1, `Error: unknown mode "${mode}"\n`);
  }
  const file = flag(parsed, "config") ?? "";
  if (!existsSync(file)) {
    throw new CliExit(1, `open ${file}: no such file or directory\n`);
  }
  const problems = validationErrors(parseDocuments(readFileSync(file, "utf8")), minorOf(clientVersion));
  if (problems.length > 0) {
    throw new CliExit(1, multiError(problems));
  }
  return `${file} is valid for ${mode} mode\n`;
}

/** `talosctl config endpoint|node <ips…>` edits the current context of the talosconfig. */
export function configContext(parsed: ParsedCli, talosconfig: string): string {
  onlyFlags(parsed, ["talosconfig", "context"]);
  const [, sub, ...values] = parsed.positionals;
  if (!existsSync(talosconfig)) {
    throw new CliExit(1, `open ${talosconfig}: no such file or directory\n`);
  }
  const config = parse(readFileSync(talosconfig, "utf8")) as {
    context: string;
    contexts: Record<string, Yaml>;
  };
  const context = config.contexts[config.context];
  if (!context) {
    throw new CliExit(1, `context "${config.context}" is not defined\n`);
  }
  if (sub === "endpoint" || sub === "endpoints") {
    context["endpoints"] = values;
  } else if (sub === "node" || sub === "nodes") {
    context["nodes"] = values;
  } else {
    throw new CliExit(1, `Error: unknown command "${sub ?? ""}" for "talosctl config"\n`);
  }
  writeFileSync(talosconfig, stringify(config));
  return "";
}
