import { describe, expect, it } from "vitest";
import { readHcl, replaceString } from "./hcl-lines.ts";

/** Shapes from bpg/terraform-provider-proxmox's examples and real homelab repos. */
const VARIABLES = `# Proxmox connection
variable "proxmox_endpoint" {
  type        = string
  description = "https://pve.lan:8006/" # not api2/json
}

variable "vm_storage" {
  type    = string
  default = "local-lvm" // where the disks go
}

variable "nodes" {
  type = map(object({
    ip   = string
    disk = optional(string, "/dev/sda")
  }))
  default = {
    cp1 = { ip = "192.168.1.21" }
  }
  validation {
    condition     = length(var.nodes) > 0
    error_message = "At least one node: { braces } in a string do not count."
  }
}

variable "notes" {
  description = <<-EOT
    A heredoc with a } brace and a "quote"
    default = "not an attribute"
  EOT
  type = string
}

/* variable "commented" { default = "x" } */
variable "inline" { default = 3 }
`;

describe("the HCL line reader", () => {
  it("finds each variable block, its default and its depth, past heredocs, comments and nested braces", () => {
    const file = readHcl(VARIABLES);
    const variables = file.blocks.filter((block) => block.type === "variable");
    expect(variables.map((block) => block.labels[0])).toEqual([
      "proxmox_endpoint",
      "vm_storage",
      "nodes",
      "notes",
      "inline",
    ]);
    const defaults = Object.fromEntries(
      variables.map((block) => [
        block.labels[0],
        block.attributes.find((attribute) => attribute.name === "default")?.value.kind,
      ]),
    );
    expect(defaults).toEqual({
      proxmox_endpoint: undefined,
      vm_storage: "string",
      nodes: "other",
      notes: undefined,
      inline: "other",
    });
    const storage = file.assignments.find(
      (a) => a.name === "default" && a.blocks[0] === 'variable "vm_storage"',
    );
    expect(storage).toMatchObject({ depth: 1, line: 9, value: { kind: "string", text: "local-lvm" } });
  });

  it("replaces one string literal and keeps the comment and alignment beside it", () => {
    const file = readHcl(VARIABLES);
    const storage = file.assignments.find((a) => a.value.kind === "string" && a.value.text === "local-lvm");
    if (storage?.value.kind !== "string") {
      throw new Error("no storage default");
    }
    const edited = replaceString(VARIABLES, storage.value, "local-zfs");
    expect(edited).toBe(VARIABLES.replace('"local-lvm"', '"local-zfs"'));
    expect(edited).toContain('  default = "local-zfs" // where the disks go\n');
  });

  it("reads tfvars assignments at the top only, and tells a var reference from a literal", () => {
    const file = readHcl(
      'vm_storage = "local-lvm"\nnodes = {\n  cp1 = { ip = "192.168.1.21" }\n}\nbridge = var.bridge\n',
    );
    expect(file.assignments.filter((a) => a.depth === 0).map((a) => [a.name, a.value.kind])).toEqual([
      ["vm_storage", "string"],
      ["nodes", "other"],
      ["bridge", "var"],
    ]);
  });

  it("reads the pairs of a one-line object with the keys around them, and edits one in place", () => {
    const text =
      'nodes = {\n  cp1 = { ip = "192.168.1.21", datastore = "local-lvm", net = { bridge = "vmbr0" } }\n}\n';
    const file = readHcl(text);
    const pairs = file.assignments
      .filter((a) => a.value.kind === "string")
      .map((a) => [a.blocks.join("/"), a.name, a.value.kind === "string" ? a.value.text : ""]);
    expect(pairs).toEqual([
      ["nodes/cp1", "ip", "192.168.1.21"],
      ["nodes/cp1", "datastore", "local-lvm"],
      ["nodes/cp1/net", "bridge", "vmbr0"],
    ]);
    const bridge = file.assignments.find((a) => a.name === "bridge");
    if (bridge?.value.kind !== "string") {
      throw new Error("no bridge");
    }
    expect(replaceString(text, bridge.value, "vmbr1")).toBe(text.replace('"vmbr0"', '"vmbr1"'));
  });

  it.each([
    ["an unterminated string", 'variable "x" {\n  default = "open\n'],
    ["an unterminated heredoc", 'variable "x" {\n  description = <<EOT\n  never closed\n'],
    ["stray closing braces", "}}}\nname = 1\n"],
    ["binary noise", '\u0000\u0001{{{"\\'],
    ["an empty file", ""],
  ])("does not throw on %s", (_name, text) => {
    expect(() => readHcl(text)).not.toThrow();
  });
});
