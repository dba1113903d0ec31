import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { type LabFixture, startLabFixture } from "../../../../lab/proxmox-server/lab-fixture.ts";
import { liveFactSource, runPlaybooks } from "../index.ts";

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../test/fixtures/repos");
const TERRAFORM_FILES = ["terraform/main.tf", "terraform/variables.tf", "terraform/providers.tf"];
const TALOS_FILES = ["talos/talconfig.yaml", "talos/talenv.yaml"];
/** `talosctl get disks --insecure` on a Proxmox VM with a virtio disk (siderolabs/talos#11097's table, vda). */
const VDA_TABLE = [
  "NODE   NAMESPACE   TYPE   ID      VERSION   SIZE     READ ONLY   TRANSPORT   ROTATIONAL   WWID   MODEL           SERIAL",
  "       runtime     Disk   loop0   2         4.1 kB   true",
  "       runtime     Disk   vda     2         34 GB    false       virtio      true",
  "       runtime     Disk   sr0     2         320 MB   false       ata                             QEMU DVD-ROM",
].join("\n");

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

function repo(): string {
  const root = mkdtempSync(join(tmpdir(), "fact-store-"));
  cpSync(join(FIXTURES, "terraform-talhelper"), root, { recursive: true });
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

async function lab(options: Parameters<typeof startLabFixture>[0]): Promise<LabFixture> {
  const fixture = await startLabFixture(options);
  cleanups.push(() => fixture.close());
  return fixture;
}

/** The bpg provider's connection from the environment, as its docs allow. */
function providerEnv(fixture: LabFixture, extra: NodeJS.ProcessEnv = {}) {
  return liveFactSource({
    baseDir: tmpdir(),
    env: {
      PROXMOX_VE_ENDPOINT: fixture.server.url.replace(/\/api2\/json$/, "/"),
      PROXMOX_VE_API_TOKEN: `${fixture.token.id}=${fixture.token.secret}`,
      PATH: process.env["PATH"] ?? "",
      ...extra,
    },
  });
}

const read = (root: string, path: string) => readFileSync(join(root, path), "utf8");
/** bpg/proxmox's wording for a Proxmox 500 (proxmox/api/client.go; docs/index.md quotes the same shape). */
const BPG_STORAGE_ERROR = [
  "│ Error: error creating VM: received an HTTP 500 response - Reason: storage 'local-lvm' does not exist",
  "│   with proxmox_virtual_environment_vm.cp[0],",
];
const evidence = (lines: string[]) => ({ lines, logTail: `${lines.join("\n")}\n` });

describe("playbooks on a Terraform repo fix the value where Terraform reads it", () => {
  it("changes the variable's default in variables.tf when no tfvars sets it, keeping the comment beside it", async () => {
    const root = repo();
    const fixture = await lab({ storages: { local: ["iso", "backup"], "local-zfs": ["images", "rootdir"] } });
    const before = read(root, "terraform/variables.tf");
    const result = await runPlaybooks({
      worktree: root,
      evidence: evidence(BPG_STORAGE_ERROR),
      facts: providerEnv(fixture),
      stageFiles: TERRAFORM_FILES,
    });
    expect(result).toMatchObject({
      kind: "changed",
      playbook: "proxmox-storage-missing",
      path: "terraform/variables.tf",
      summary: expect.stringContaining(
        'variable "virtual_environment_storage" default (terraform/variables.tf:20): local-lvm does not exist on node pve; use local-zfs',
      ),
    });
    expect(read(root, "terraform/variables.tf")).toBe(
      before.replace('default     = "local-lvm" #', 'default     = "local-zfs" #'),
    );
  });

  it("changes terraform.tfvars, which wins over the default, and leaves the default alone", async () => {
    const root = repo();
    const fixture = await lab({ storages: { "local-zfs": ["images"] } });
    writeFileSync(
      join(root, "terraform/terraform.tfvars"),
      `# my lab\nproxmox_endpoint            = "${fixture.server.url}"\nvirtual_environment_storage = "local-lvm"\n`,
    );
    const defaults = read(root, "terraform/variables.tf");
    const facts = liveFactSource({
      baseDir: tmpdir(),
      env: { PROXMOX_VE_API_TOKEN: `${fixture.token.id}=${fixture.token.secret}` },
    });
    const result = await runPlaybooks({
      worktree: root,
      evidence: evidence(BPG_STORAGE_ERROR),
      facts,
      stageFiles: TERRAFORM_FILES,
    });
    expect(result).toMatchObject({ kind: "changed", path: "terraform/terraform.tfvars" });
    expect(read(root, "terraform/terraform.tfvars")).toContain('virtual_environment_storage = "local-zfs"\n');
    expect(read(root, "terraform/terraform.tfvars")).toContain("# my lab\n");
    expect(read(root, "terraform/variables.tf")).toBe(defaults);
  });

  it("changes a storage kept per node inside a tfvars map, and leaves one named for two nodes to a human", async () => {
    const root = repo();
    const fixture = await lab({ storages: { "local-zfs": ["images"] } });
    // The module's own default is another storage: only the map names local-lvm.
    writeFileSync(
      join(root, "terraform/variables.tf"),
      read(root, "terraform/variables.tf").replace('"local-lvm" #', '"local-zfs" #'),
    );
    const one = 'nodes = {\n  cp1 = { ip = "192.168.1.21", datastore_id = "local-lvm" } # the first\n}\n';
    writeFileSync(join(root, "terraform/terraform.tfvars"), one);
    const options = { worktree: root, evidence: evidence(BPG_STORAGE_ERROR), facts: providerEnv(fixture) };
    const changed = await runPlaybooks({ ...options, stageFiles: TERRAFORM_FILES });
    expect(changed).toMatchObject({
      kind: "changed",
      path: "terraform/terraform.tfvars",
      summary: expect.stringContaining("nodes → cp1 → datastore_id (terraform/terraform.tfvars:2)"),
    });
    expect(read(root, "terraform/terraform.tfvars")).toBe(one.replace('"local-lvm"', '"local-zfs"'));
    writeFileSync(
      join(root, "terraform/terraform.tfvars"),
      'nodes = {\n  cp1 = { datastore_id = "local-lvm" }\n  cp2 = { datastore_id = "local-lvm" }\n}\n',
    );
    const two = await runPlaybooks({ ...options, stageFiles: TERRAFORM_FILES });
    expect(two.kind === "no_change" && two.summary).toContain(
      'names storage "local-lvm" in several places (nodes → cp1 → datastore_id (terraform/terraform.tfvars:2); nodes → cp2 → datastore_id (terraform/terraform.tfvars:3)); a human must choose',
    );
  });

  it("switches a bridge named in a tfvars file to the node's only bridge, found from the task log line", async () => {
    const root = repo();
    const fixture = await lab({ bridges: ["vmbr1"] });
    writeFileSync(join(root, "terraform/lab.auto.tfvars"), 'vm_bridge = "vmbr0"\n');
    const result = await runPlaybooks({
      worktree: root,
      evidence: evidence([
        '│ Error: error waiting for VM start: task "UPID:pve:0001661C:001F103F:69148263:qmstart:101:automation@pve!orchestrator:" failed to complete with exit code: start failed: QEMU exited with code 1',
        "bridge 'vmbr0' does not exist",
      ]),
      facts: providerEnv(fixture),
      stageFiles: TERRAFORM_FILES,
    });
    expect(result).toMatchObject({
      kind: "changed",
      playbook: "proxmox-bridge-missing",
      path: "terraform/lab.auto.tfvars",
    });
    expect(read(root, "terraform/lab.auto.tfvars")).toBe('vm_bridge = "vmbr1"\n');
  });

  it("leaves a value in a tfvars file linked in from the user's checkout to the human, and says where it is", async () => {
    const root = repo();
    const fixture = await lab({ storages: { "local-zfs": ["images"] } });
    const outside = join(mkdtempSync(join(tmpdir(), "checkout-")), "secrets.auto.tfvars");
    writeFileSync(outside, 'virtual_environment_storage = "local-lvm"\n');
    symlinkSync(outside, join(root, "terraform/secrets.auto.tfvars"));
    const result = await runPlaybooks({
      worktree: root,
      evidence: evidence(BPG_STORAGE_ERROR),
      facts: providerEnv(fixture),
      stageFiles: TERRAFORM_FILES,
    });
    expect(result.kind).toBe("no_change");
    expect(result.kind === "no_change" && result.summary).toContain(
      "terraform/secrets.auto.tfvars is local state linked from your checkout (git does not track it): change it there",
    );
    expect(readFileSync(outside, "utf8")).toBe('virtual_environment_storage = "local-lvm"\n');
  });

  it("reaches Proxmox as a Telmate provider block says, and fixes the storage of its disk", async () => {
    const root = mkdtempSync(join(tmpdir(), "telmate-"));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const fixture = await lab({ storages: { "local-zfs": ["images"] } });
    // Telmate/terraform-provider-proxmox docs/index.md (provider) and docs/resources/vm_qemu.md (disk).
    const main = [
      'provider "proxmox" {',
      "  pm_api_url      = var.pm_api_url",
      "  pm_tls_insecure = var.insecure",
      "}",
      "",
      'variable "pm_api_url" {}',
      'variable "insecure" {',
      "  default = true",
      "}",
      "",
      'resource "proxmox_vm_qemu" "cp1" {',
      '  target_node = "pve"',
      "  disk {",
      '    slot    = "scsi0"',
      '    storage = "local-lvm"',
      "  }",
      "}",
      "",
    ].join("\n");
    writeFileSync(join(root, "main.tf"), main);
    writeFileSync(join(root, "terraform.tfvars"), `pm_api_url = "${fixture.server.url}"\n`);
    // Telmate's shape for a Proxmox 500 (Telmate/terraform-provider-proxmox#99: "Error creating LXC
    // container: 500 storage 'shared' does not exists, error status: {"data":null}").
    const result = await runPlaybooks({
      worktree: root,
      evidence: evidence([
        "Error: error creating VM: 500 storage 'local-lvm' does not exist, error status: {\"data\":null}",
      ]),
      facts: liveFactSource({
        baseDir: tmpdir(),
        env: { PM_API_TOKEN_ID: fixture.token.id, PM_API_TOKEN_SECRET: fixture.token.secret },
      }),
      stageFiles: ["main.tf"],
    });
    expect(result).toMatchObject({
      kind: "changed",
      summary: expect.stringContaining(
        "disk → storage (main.tf:15): local-lvm does not exist on node pve; use local-zfs",
      ),
    });
    expect(read(root, "main.tf")).toBe(main.replace('"local-lvm"', '"local-zfs"'));
  });

  it("points a node_name variable set in terraform.tfvars at the cluster's only online node", async () => {
    const root = repo();
    const fixture = await lab({});
    writeFileSync(join(root, "terraform/terraform.tfvars"), 'virtual_environment_node_name = "pve1"\n');
    const result = await runPlaybooks({
      worktree: root,
      evidence: evidence([
        "│ Error: error creating VM: received an HTTP 500 response - Reason: hostname lookup 'pve1' failed - failed to get address info for: pve1: Name or service not known",
      ]),
      facts: providerEnv(fixture),
      stageFiles: TERRAFORM_FILES,
    });
    expect(result).toMatchObject({
      kind: "changed",
      playbook: "proxmox-node-unknown",
      summary: expect.stringContaining(
        'variable virtual_environment_node_name (terraform/terraform.tfvars:1): Proxmox has no node "pve1"; use pve',
      ),
    });
    expect(read(root, "terraform/terraform.tfvars")).toBe('virtual_environment_node_name = "pve"\n');
  });

  it("says which connection setting is missing rather than guessing one", async () => {
    const root = repo();
    const result = await runPlaybooks({
      worktree: root,
      evidence: evidence(BPG_STORAGE_ERROR),
      facts: liveFactSource({ baseDir: tmpdir(), env: {} }),
      stageFiles: TERRAFORM_FILES,
    });
    expect(result.kind === "no_change" && result.summary).toContain(
      "could not learn its facts: the Proxmox provider in terraform is missing the endpoint (provider argument endpoint, or PROXMOX_VE_ENDPOINT) and an API token (provider argument api_token, or PROXMOX_VE_API_TOKEN)",
    );
  });
});

function fakeTalosctl(table: string): string {
  const dir = mkdtempSync(join(tmpdir(), "fake-talosctl-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "talosctl"), `#!/bin/sh\ncat <<'TABLE'\n${table}\nTABLE\n`);
  chmodSync(join(dir, "talosctl"), 0o755);
  return dir;
}
/** The Talos installer's own failure as `talosctl dmesg` prints it for node 192.168.1.12. */
const installerLine =
  "192.168.1.12: user: warning: [2026-11-29T18:02:11.204Z]: [talos] task install (1/1): failed: lstat /dev/sda: no such file or directory";
const talosFacts = (bin: string) =>
  liveFactSource({ baseDir: tmpdir(), env: { PATH: `${bin}:${process.env["PATH"]}` } });

describe("the install-disk playbook on a Terraform repo with the talos provider", () => {
  /** siderolabs/terraform-provider-talos examples/resources/talos_machine_configuration_apply/resource.tf. */
  const apply = (disk: string) =>
    [
      'resource "talos_machine_configuration_apply" "this" {',
      '  node                  = "192.168.1.12"',
      "  config_patches = [{",
      "    machine = {",
      "      install = {",
      `        disk = ${disk}`,
      "      }",
      "    }",
      "  }]",
      "}",
      "",
    ].join("\n");

  it("changes the disk written in the machine-config patch, or the variable it takes the disk from", async () => {
    const root = repo();
    writeFileSync(join(root, "terraform/talos.tf"), apply('"/dev/sda"'));
    const run = () =>
      runPlaybooks({
        worktree: root,
        evidence: evidence([installerLine]),
        facts: talosFacts(fakeTalosctl(VDA_TABLE)),
        stageFiles: TERRAFORM_FILES,
      });
    expect(await run()).toMatchObject({
      kind: "changed",
      path: "terraform/talos.tf",
      summary:
        "talos-install-disk-missing: install → disk (terraform/talos.tf:6): /dev/sda does not exist on node 192.168.1.12; use /dev/vda, its only disk",
    });
    expect(read(root, "terraform/talos.tf")).toBe(apply('"/dev/vda"'));

    writeFileSync(
      join(root, "terraform/talos.tf"),
      `${apply("var.install_disk")}\nvariable "install_disk" {\n  default = "/dev/sda"\n}\n`,
    );
    expect(await run()).toMatchObject({
      kind: "changed",
      summary: expect.stringContaining('variable "install_disk" default (terraform/talos.tf:13)'),
    });
    expect(read(root, "terraform/talos.tf")).toContain('  default = "/dev/vda"\n');
  });
});

describe("the install-disk playbook on a talhelper repo", () => {
  /** The playbooks after the installer's failure on talos-cp-2, whose only disk is /dev/vda. */
  const installerFailed = (root: string) =>
    runPlaybooks({
      worktree: root,
      evidence: evidence([installerLine]),
      facts: talosFacts(fakeTalosctl(VDA_TABLE)),
      stageFiles: TALOS_FILES,
    });
  const withDiskVariable = (root: string) =>
    writeFileSync(
      join(root, "talos/talconfig.yaml"),
      read(root, "talos/talconfig.yaml").replace(
        "    installDisk: /dev/sda\n",
        `    installDisk: $${"{"}CP2_DISK}\n`,
      ),
    );

  it("sets that node's installDisk in talconfig.yaml to the one disk it reports, and nothing else", async () => {
    const root = repo();
    const before = read(root, "talos/talconfig.yaml");
    const result = await installerFailed(root);
    expect(result).toMatchObject({
      kind: "changed",
      playbook: "talos-install-disk-missing",
      path: "talos/talconfig.yaml",
      summary:
        "talos-install-disk-missing: nodes.1.installDisk (talos-cp-2): /dev/sda does not exist on node talos-cp-2; use /dev/vda, its only disk",
    });
    const lines = before.split("\n");
    lines[13] = "    installDisk: /dev/vda";
    expect(read(root, "talos/talconfig.yaml")).toBe(lines.join("\n"));
  });

  it("changes the talenv.yaml value that a variable in talconfig.yaml stands for", async () => {
    const root = repo();
    withDiskVariable(root);
    const config = read(root, "talos/talconfig.yaml");
    writeFileSync(join(root, "talos/talenv.yaml"), "CLUSTER_VIP: 192.168.1.10\nCP2_DISK: /dev/sda # scsi\n");
    const result = await installerFailed(root);
    expect(result).toMatchObject({ kind: "changed", path: "talos/talenv.yaml" });
    expect(read(root, "talos/talenv.yaml")).toBe("CLUSTER_VIP: 192.168.1.10\nCP2_DISK: /dev/vda # scsi\n");
    expect(read(root, "talos/talconfig.yaml")).toBe(config);
  });

  it("leaves a talenv.yaml that sops encrypts to the human", async () => {
    const root = repo();
    withDiskVariable(root);
    const encrypted =
      "CP2_DISK: ENC[AES256_GCM,data:q1w2,iv:e3r4,tag:t5y6,type:str]\nsops:\n    version: 3.9.4\n";
    writeFileSync(join(root, "talos/talenv.yaml"), encrypted);
    const result = await installerFailed(root);
    expect(result.kind === "no_change" && result.summary).toContain(
      "talos/talenv.yaml is encrypted with sops: a human must change CP2_DISK with sops",
    );
    expect(read(root, "talos/talenv.yaml")).toBe(encrypted);
  });

  it("leaves a node with an installDiskSelector to the human", async () => {
    const root = repo();
    writeFileSync(
      join(root, "talos/talconfig.yaml"),
      read(root, "talos/talconfig.yaml").replace(
        "    installDisk: /dev/sda\n",
        "    installDiskSelector:\n      size: <= 64GB\n",
      ),
    );
    const result = await installerFailed(root);
    expect(result.kind === "no_change" && result.summary).toContain(
      "nodes.1.installDiskSelector is a disk selector; a human wrote it on purpose",
    );
  });

  it("finds talconfig.yaml by itself when the stage names no files", async () => {
    const root = repo();
    const result = await runPlaybooks({
      worktree: root,
      evidence: evidence([installerLine]),
      facts: talosFacts(fakeTalosctl(VDA_TABLE)),
    });
    expect(result).toMatchObject({ kind: "changed", path: "talos/talconfig.yaml" });
  });
});
