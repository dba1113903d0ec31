import { type HclAssignment, type HclValue, readHcl, replaceString } from "./hcl-lines.ts";
import type { FactKind, FactSlot, FactStore, ProviderAccess } from "./types.ts";

/** One file of a Terraform/OpenTofu root module as read from the worktree. */
export interface ModuleFile {
  /** Repo-relative path. */
  path: string;
  text: string;
  /** The file is a link to the user's checkout (ignored local state such as a secrets tfvars). */
  linked: boolean;
}

const base = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/**
 * The order Terraform reads variable values in, later ones winning: terraform.tfvars, then
 * *.auto.tfvars in lexical order of their names (developer.hashicorp.com/terraform/language/values/variables
 * "Variable definition precedence"; -var/-var-file on the command line come last and are not files
 * of the module). A variable set by none of them takes its `default`.
 */
export function tfvarsInPrecedence(paths: readonly string[]): string[] {
  const auto = paths
    .filter((path) => base(path).endsWith(".auto.tfvars"))
    .sort((a, b) => (base(a) < base(b) ? -1 : 1));
  return [...paths.filter((path) => base(path) === "terraform.tfvars"), ...auto];
}

/**
 * The attributes that name a Proxmox storage or bridge: bpg/proxmox's `datastore_id` (disk,
 * efi_disk, initialization, download_file) and `bridge` (network_device), Telmate/proxmox's
 * `storage` (disk) and `bridge` (network) (bpg/terraform-provider-proxmox docs/resources/
 * virtual_environment_vm.md; Telmate/terraform-provider-proxmox docs/resources/vm_qemu.md).
 */
const ATTRIBUTES: Record<FactKind, readonly string[]> = {
  storage: ["datastore_id", "storage"],
  bridge: ["bridge"],
  node: ["node_name", "target_node"],
  // The talos provider's config_patches written in HCL: `machine = { install = { disk = "/dev/sdd" } }`
  // (siderolabs/terraform-provider-talos examples/resources/talos_machine_configuration_apply/resource.tf).
  "install-disk": ["disk", "install_disk"],
};
/**
 * Inside a variable's value (a `nodes = { cp1 = { … } }` map in a tfvars file or a default),
 * the keys are the module author's own: any key naming a storage or datastore, or a bridge.
 */
const VALUE_KEYS: Record<FactKind, RegExp> = {
  storage: /storage|datastore/i,
  bridge: /bridge/i,
  node: /^(?:node_?name|target_node|pve_?node|proxmox_node)$/i,
  "install-disk": /install_?disk|^disk$/i,
};
/** bpg `node_name`, Telmate `target_node`: the Proxmox node a VM is on. */
const NODE_ATTRIBUTES = ["node_name", "target_node"];

/** A literal's text (`true`, `3`), for values that are not strings. */
function rawOf(value: HclValue | undefined): string | undefined {
  return value?.kind === "other" ? /^[\w.-]+/.exec(value.raw)?.[0] : undefined;
}

interface Located {
  file: ModuleFile;
  assignment: HclAssignment;
}

export function terraformStore(dir: string, files: readonly ModuleFile[]): FactStore {
  const parsed = files.map((file) => ({ file, hcl: readHcl(file.text) }));
  const configs = parsed.filter(({ file }) => /\.(tf|tofu)$/.test(file.path));
  const byPath = new Map(parsed.map((entry) => [entry.file.path, entry]));
  const tfvars = tfvarsInPrecedence(files.map((file) => file.path)).flatMap((path) => {
    const entry = byPath.get(path);
    return entry ? [entry] : [];
  });

  const defaults = new Map<string, Located | null>();
  for (const { file, hcl } of configs) {
    for (const block of hcl.blocks) {
      const name = block.labels[0];
      if (block.type === "variable" && name !== undefined) {
        const assignment = block.attributes.find((attribute) => attribute.name === "default");
        defaults.set(name, assignment ? { file, assignment } : null);
      }
    }
  }
  /** Where a variable's value comes from: the last tfvars setting it, else its default. */
  const effective = (name: string): Located | undefined => {
    let found: Located | undefined;
    for (const { file, hcl } of tfvars) {
      const assignment = hcl.assignments.find((entry) => entry.depth === 0 && entry.name === name);
      if (assignment) {
        found = { file, assignment };
      }
    }
    return found ?? defaults.get(name) ?? undefined;
  };
  const resolve = (value: HclValue): string | undefined => {
    if (value.kind === "string") {
      return value.text;
    }
    if (value.kind === "var") {
      const source = effective(value.name)?.assignment.value;
      return source?.kind === "string" ? source.text : undefined;
    }
    return undefined;
  };
  const slotAt = (
    { file, assignment }: Located,
    label: string,
    content: FactSlot["content"],
  ): FactSlot | undefined => {
    const value = assignment.value;
    if (value.kind !== "string") {
      return undefined;
    }
    return {
      file: file.path,
      label: `${label} (${file.path}:${assignment.line})`,
      current: value.text,
      content,
      readOnly: file.linked
        ? `${file.path} is local state linked from your checkout (git does not track it): change it there, or move the value into a tracked file`
        : undefined,
      edit: (replacement) => replaceString(file.text, value, replacement),
    };
  };
  const contentOf = (name: string, blocks: readonly string[]): FactSlot["content"] =>
    /iso/i.test(name) || blocks.some((block) => /download_file|cdrom/.test(block)) ? "iso" : "images";

  return {
    kind: "terraform",
    name: `the Terraform module in ${dir}`,
    files: files.map((file) => file.path),
    /**
     * bpg's `endpoint`, `api_token`, `insecure` (bpg/terraform-provider-proxmox docs/index.md);
     * Telmate's `pm_api_url`, `pm_api_token_id` + `pm_api_token_secret`, `pm_tls_insecure`
     * (Telmate/terraform-provider-proxmox docs/index.md), each resolved through the variables.
     */
    proxmox(): ProviderAccess {
      const provider = configs
        .flatMap(({ hcl }) => hcl.blocks)
        .find((block) => block.type === "provider" && block.labels[0] === "proxmox");
      const text = (name: string) => {
        const value = provider?.attributes.find((entry) => entry.name === name)?.value;
        return value ? resolve(value) : undefined;
      };
      const bool = (name: string) => {
        const value = provider?.attributes.find((entry) => entry.name === name)?.value;
        const raw = value?.kind === "var" ? rawOf(effective(value.name)?.assignment.value) : rawOf(value);
        return raw === "true" ? true : raw === "false" ? false : undefined;
      };
      const telmate =
        provider?.attributes.some((entry) => entry.name.startsWith("pm_")) ??
        configs.some(({ file }) => /telmate\/proxmox/i.test(file.text));
      if (telmate) {
        const id = text("pm_api_token_id");
        const secret = text("pm_api_token_secret");
        return {
          kind: "terraform-provider",
          provider: "telmate",
          dir,
          endpoint: text("pm_api_url"),
          apiToken: id !== undefined && secret !== undefined ? `${id}=${secret}` : undefined,
          insecure: bool("pm_tls_insecure"),
        };
      }
      return {
        kind: "terraform-provider",
        provider: "bpg",
        dir,
        endpoint: text("endpoint"),
        apiToken: text("api_token"),
        insecure: bool("insecure"),
      };
    },
    proxmoxNode() {
      const names = new Set<string>();
      for (const { hcl } of configs) {
        for (const assignment of hcl.assignments) {
          if (NODE_ATTRIBUTES.includes(assignment.name) && !assignment.blocks[0]?.startsWith("variable ")) {
            const node = resolve(assignment.value);
            if (node !== undefined) {
              names.add(node);
            }
          }
        }
      }
      return names.size === 1 ? [...names][0] : undefined;
    },
    slotsHolding(kind, value) {
      const slots: FactSlot[] = [];
      const variables = new Set([
        ...defaults.keys(),
        ...tfvars.flatMap(({ hcl }) => hcl.assignments.filter((a) => a.depth === 0).map((a) => a.name)),
      ]);
      for (const name of variables) {
        const source = effective(name);
        if (source?.assignment.value.kind === "string" && source.assignment.value.text === value) {
          const where = source.assignment.depth === 0 ? `variable ${name}` : `variable "${name}" default`;
          const slot = slotAt(source, where, kind === "storage" ? contentOf(name, []) : undefined);
          if (slot) {
            slots.push(slot);
          }
        }
      }
      for (const { file, hcl } of configs) {
        for (const assignment of hcl.assignments) {
          const inVariable = assignment.blocks[0]?.startsWith("variable ") ?? false;
          if (
            !inVariable &&
            ATTRIBUTES[kind].includes(assignment.name) &&
            assignment.value.kind === "string" &&
            assignment.value.text === value
          ) {
            const label = [...assignment.blocks.slice(-1), assignment.name].join(" → ");
            const slot = slotAt(
              { file, assignment },
              label,
              kind === "storage" ? contentOf(assignment.name, assignment.blocks) : undefined,
            );
            if (slot) {
              slots.push(slot);
            }
          }
        }
      }
      // Keys inside a variable's value, where that value is the one Terraform uses.
      for (const { file, hcl } of [...tfvars, ...configs]) {
        const isConfig = /\.(tf|tofu)$/.test(file.path);
        for (const assignment of hcl.assignments) {
          const owner = isConfig
            ? assignment.blocks[1] === "default"
              ? /^variable "([^"]+)"/.exec(assignment.blocks[0] ?? "")?.[1]
              : undefined
            : assignment.depth > 0
              ? assignment.blocks[0]
              : undefined;
          if (
            owner !== undefined &&
            VALUE_KEYS[kind].test(assignment.name) &&
            assignment.value.kind === "string" &&
            assignment.value.text === value &&
            effective(owner)?.file === file
          ) {
            const path = [owner, ...assignment.blocks.slice(isConfig ? 2 : 1), assignment.name].join(" → ");
            const slot = slotAt(
              { file, assignment },
              path,
              kind === "storage" ? contentOf(assignment.name, []) : undefined,
            );
            if (slot) {
              slots.push(slot);
            }
          }
        }
      }
      return slots;
    },
    talosNodes: () => [],
  };
}
