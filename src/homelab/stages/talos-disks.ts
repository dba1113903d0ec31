import type { InstallDisk, ResolvedNode } from "../cluster-file/index.ts";
import type { TalosDisk } from "../tools/index.ts";

/**
 * The install-disk preflight: the disk (or selector) the cluster file gives a node, checked against
 * the disks the node reports in maintenance mode (`talosctl get disks --insecure`), before any
 * apply-config. Since Talos 1.9 apply-config no longer refuses a missing disk (the check left
 * v1alpha1 validation with the CEL disk selectors, siderolabs/talos commit 9a02ecc49); the
 * installer fails on the node instead (siderolabs/talos@v1.12.4
 * internal/app/machined/pkg/runtime/v1alpha1/v1alpha1_sequencer_tasks.go:1503-1528), which costs
 * a boot and says nothing to talosctl.
 *
 * The failure text is what the install-disk playbook matches (`INSTALL_DISK_NOT_ON_NODE`): keep
 * them together.
 */

/** `install disk /dev/vda is not on the node; its disks: /dev/sda (69 GB, scsi, QEMU HARDDISK); set …` */
export const INSTALL_DISK_NOT_ON_NODE =
  /\binstall disk (\/dev\/\S+|selector \{[^}]*\}) (?:is not on|matches no disk on) the node; its disks: (.*?); set /;

/** One disk as the preflight names it: `/dev/sda (69 GB, scsi, QEMU HARDDISK, serial X)`. */
export function describeDisk(disk: TalosDisk): string {
  const details = [disk.size, disk.transport, disk.model, disk.serial ? `serial ${disk.serial}` : ""].filter(
    (detail) => detail !== "",
  );
  return details.length === 0 ? disk.path : `${disk.path} (${details.join(", ")})`;
}

function selectorText(selector: Exclude<InstallDisk, string>): string {
  const fields = Object.entries(selector)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}: ${value}`);
  return `{${fields.join(", ")}}`;
}

/** Undefined when the node has the disk; otherwise the one line that says what it has instead. */
export function checkInstallDisk(node: ResolvedNode, disks: readonly TalosDisk[]): string | undefined {
  const wanted = node.installDisk;
  if (typeof wanted === "string" && wanted.startsWith("/dev/disk/")) {
    return undefined; // a by-id/by-path link: the disk table names no links, the installer resolves it
  }
  const found =
    typeof wanted === "string"
      ? disks.some((disk) => disk.path === wanted)
      : disks.some(
          (disk) =>
            (wanted.serial === undefined || disk.serial === wanted.serial) &&
            (wanted.model === undefined || disk.model === wanted.model) &&
            (wanted.wwid === undefined || disk.wwid === wanted.wwid),
        );
  if (found) {
    return undefined;
  }
  const what =
    typeof wanted === "string"
      ? `install disk ${wanted} is not on the node`
      : `install disk selector ${selectorText(wanted)} matches no disk on the node`;
  const has = disks.length === 0 ? "none" : disks.map(describeDisk).join(", ");
  return `${what}; its disks: ${has}; set talos.installDisk (or this node's installDisk) to one of them`;
}
