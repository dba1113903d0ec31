import { clusterDocument, setScalar, valueAt } from "../cluster-yaml.ts";
import type { FactSlot, FactStore, TalosNodeFact } from "./types.ts";

export interface TalhelperFiles {
  /** Repo-relative path of talconfig.yaml and its text. */
  config: { path: string; text: string };
  /** talenv.yaml beside it, when there is one (the values `${VAR}` in talconfig.yaml take). */
  env: { path: string; text: string; linked: boolean } | undefined;
}

const ENV_REFERENCE = /^\$\{([A-Za-z_]\w*)\}$/;

/**
 * A talhelper folder: talconfig.yaml's `nodes[]` carry `hostname`, `ipAddress`, `controlPlane`,
 * `installDisk` (a path) or `installDiskSelector` (a selector)
 * (budimanjojo/talhelper docs/docs/reference/configuration.md, "Node"); a value written as
 * `${VAR}` is substituted from talenv.yaml when `talhelper genconfig` loads it (cmd/genconfig.go;
 * Homebrew's talhelper formula test expects "failed to load env file: trying to decrypt
 * talenv.yaml with sops"), so it is fixed there, unless sops encrypts the file (a `sops:` key).
 * Proxmox storages and bridges are not talhelper's: this store names none.
 */
export function talhelperStore({ config, env }: TalhelperFiles): FactStore {
  const doc = clusterDocument(config.text);
  const envDoc = env ? clusterDocument(env.text) : undefined;
  const nodes = (): TalosNodeFact[] => {
    const listed = (doc.errors.length === 0 ? (doc.toJS() as { nodes?: unknown }) : undefined)?.nodes;
    if (!Array.isArray(listed)) {
      return [];
    }
    return listed.map((node: Record<string, unknown>, index): TalosNodeFact => {
      const name = String(node["hostname"] ?? "");
      const base = { name, ip: String(node["ipAddress"] ?? ""), controlPlane: node["controlPlane"] === true };
      if (node["installDiskSelector"] !== undefined && node["installDisk"] === undefined) {
        return {
          ...base,
          installDisk: {
            why: `nodes.${index}.installDiskSelector is a disk selector; a human wrote it on purpose`,
          },
        };
      }
      const at = ["nodes", index, "installDisk"];
      const current = valueAt(doc, at);
      const reference = typeof current === "string" ? ENV_REFERENCE.exec(current)?.[1] : undefined;
      if (reference !== undefined) {
        const value = envDoc ? valueAt(envDoc, [reference]) : undefined;
        if (!env || typeof value !== "string") {
          return {
            ...base,
            installDisk: {
              why: `${config.path} takes ${name}'s install disk from \${${reference}}, which no talenv.yaml beside it sets`,
            },
          };
        }
        return { ...base, installDisk: envSlot(env, reference, value) };
      }
      const slot: FactSlot = {
        file: config.path,
        label: `nodes.${index}.installDisk (${name})`,
        current: typeof current === "string" ? current : "",
        content: undefined,
        readOnly: undefined,
        edit: (value) => setScalar(config.text, at, value),
      };
      return { ...base, installDisk: slot };
    });
  };
  return {
    kind: "talhelper",
    name: config.path,
    files: env ? [config.path, env.path] : [config.path],
    proxmox: () => ({ why: `${config.path} describes Talos, not Proxmox` }),
    proxmoxNode: () => undefined,
    slotsHolding: () => [],
    talosNodes: nodes,
  };
}

function envSlot(env: NonNullable<TalhelperFiles["env"]>, name: string, current: string): FactSlot {
  return {
    file: env.path,
    label: `${name} in ${env.path}`,
    current,
    content: undefined,
    readOnly: env.linked
      ? `${env.path} is local state linked from your checkout (git does not track it): change it there`
      : /^sops:/m.test(env.text)
        ? `${env.path} is encrypted with sops: a human must change ${name} with sops`
        : undefined,
    edit: (value) => setScalar(env.text, [name], value),
  };
}
