/**
 * Where a repo keeps the facts a playbook fixes: the built-in cluster file
 * (config/clusters/*.yaml), a Terraform/OpenTofu root module (`*.tfvars`, `*.auto.tfvars`,
 * variable defaults and literal attributes in `*.tf`) or a talhelper folder (`talconfig.yaml`,
 * `talenv.yaml`). A playbook asks the store where a value is written and changes it there.
 */

/** A value a playbook may rewrite wherever the repo writes it: a Proxmox name, or a Talos install disk. */
export type FactKind = "storage" | "bridge" | "node" | "install-disk";

/** One place a value is written, and how to write another there. */
export interface FactSlot {
  /** Repo-relative file holding the value. */
  file: string;
  /** Where in the file, for summaries: `proxmox.storage`, `vm_storage in terraform.tfvars:3`. */
  label: string;
  current: string;
  /** For a storage: the content it must hold (Proxmox storage `content` types). */
  content: "images" | "iso" | undefined;
  /** Why the value cannot be written here (a file linked in as local state), else undefined. */
  readOnly: string | undefined;
  /** The file's whole new text with this value replaced. */
  edit(value: string): string;
}

/** A Talos node as the store describes it, with where its install disk is written. */
export interface TalosNodeFact {
  name: string;
  ip: string;
  controlPlane: boolean;
  /** Where the install disk is, or why a playbook must not touch it (a disk selector). */
  installDisk: FactSlot | { why: string };
}

/** The connection settings of a Terraform provider block, resolved through its variables. */
export interface ProviderAccess {
  kind: "terraform-provider";
  /** Whose provider block it is: their arguments and environment variables differ. */
  provider: "bpg" | "telmate";
  /** Repo-relative folder of the root module, for messages. */
  dir: string;
  endpoint: string | undefined;
  /** `user@realm!tokenid=secret`, as bpg takes it (Telmate's id and secret are joined so). */
  apiToken: string | undefined;
  insecure: boolean | undefined;
}

/**
 * How the facts reach Proxmox: a cluster file's text (its `proxmox:` connection) or a Terraform
 * provider's settings. A string keeps the playbooks written for the cluster file unchanged.
 */
export type ProxmoxAccess = string | ProviderAccess;

export interface FactStore {
  readonly kind: "cluster-file" | "terraform" | "talhelper";
  /** For messages: `the cluster file config/clusters/lab.yaml`, `the Terraform module in terraform`. */
  readonly name: string;
  /** Repo-relative files the store read (what the executor reports as opened). */
  readonly files: readonly string[];
  /** How to reach Proxmox, or why this store cannot say. */
  proxmox(): ProxmoxAccess | { why: string };
  /** The Proxmox node the VMs are on, when the store names exactly one. */
  proxmoxNode(): string | undefined;
  /**
   * Every place the value is in effect (a shadowed default is not). The cluster file and
   * talconfig.yaml give install disks per node (`talosNodes`), not here.
   */
  slotsHolding(kind: FactKind, value: string): FactSlot[];
  /** The Talos nodes, in file order (none for a Terraform module: its nodes are not named alike). */
  talosNodes(): TalosNodeFact[];
}
