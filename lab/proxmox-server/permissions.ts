import type { World } from "../world/index.ts";
import type { LabToken } from "./index.ts";
import { LabHttpError } from "./lab-http-error.ts";

/**
 * What a token may do in the lab, and what Proxmox hides from it. A token with an entry in
 * `world.proxmox.tokenAcl` (path → privileges) is a privilege-separated token with exactly those
 * ACLs; ACLs propagate to sub-paths, and a path's privileges are the union of its own and its
 * ancestors' (Proxmox lets a more specific ACL override a role on the same user; the lab never
 * sets two for one path). A token without an entry keeps its `role` (admin, auditor, none).
 */

/** Every privilege the lab's routes check, for the admin role and for `/access/permissions`. */
const ALL_PRIVILEGES = [
  "Datastore.Allocate",
  "Datastore.AllocateSpace",
  "Datastore.AllocateTemplate",
  "Datastore.Audit",
  "SDN.Audit",
  "SDN.Use",
  "Sys.AccessNetwork",
  "Sys.Audit",
  "Sys.Modify",
  "VM.Allocate",
  "VM.Audit",
  "VM.Config.Disk",
  "VM.Config.Network",
  "VM.PowerMgmt",
];
/** PVEAuditor: every *.Audit privilege (proxmox/pve-access-control@5ccd07d src/PVE/AccessControl.pm:1194-1196). */
const AUDITOR = ALL_PRIVILEGES.filter((privilege) => privilege.endsWith(".Audit"));

export function privilegesAt(world: World, token: LabToken, path: string): Set<string> {
  const acl = world.proxmox.tokenAcl[token.id];
  if (acl === undefined) {
    const role = token.role ?? "admin";
    return new Set(role === "admin" ? ALL_PRIVILEGES : role === "auditor" ? AUDITOR : []);
  }
  const granted = new Set<string>();
  for (const [aclPath, privileges] of Object.entries(acl)) {
    const prefix = aclPath === "/" ? "/" : `${aclPath.replace(/\/$/, "")}/`;
    if (aclPath === path || path.startsWith(prefix)) {
      for (const privilege of privileges) {
        granted.add(privilege);
      }
    }
  }
  return granted;
}

/** Whether the token holds any of `privileges` on `path` (Proxmox's `check_any`). */
export function hasAny(world: World, token: LabToken, path: string, privileges: readonly string[]): boolean {
  const held = privilegesAt(world, token, path);
  return privileges.some((privilege) => held.has(privilege));
}

/**
 * A 403 as pveproxy words it, `Permission check failed (<path>, <privilege>)`, unless the token
 * holds every one of `privileges` on `path` (a `perm` check with several privileges needs all).
 */
export function requireAll(world: World, token: LabToken, path: string, privileges: readonly string[]): void {
  const held = privilegesAt(world, token, path);
  const lacking = privileges.find((privilege) => !held.has(privilege));
  if (lacking !== undefined) {
    throw new LabHttpError(403, `Permission check failed (${path}, ${lacking})`);
  }
}

/**
 * `GET /access/permissions[?path=…][&userid=…]`: the caller's effective privileges as
 * `{ "<path>": { "<privilege>": 1 } }` (1 = propagates). With `path`, only that path (an empty
 * object when nothing is granted); without, every path that carries an ACL. Any user may ask
 * about itself; another user's needs Sys.Audit on /access
 * (proxmox/pve-access-control@5ccd07d (9.1.1) src/PVE/API2/AccessControl.pm:509-574).
 */
export function effectivePermissions(
  world: World,
  token: LabToken,
  params: Readonly<Record<string, string>>,
): Record<string, Record<string, number>> {
  const userid = params["userid"] ?? token.id;
  if (
    userid !== token.id &&
    userid !== token.id.split("!")[0] &&
    !hasAny(world, token, "/access", ["Sys.Audit"])
  ) {
    throw new LabHttpError(403, "Permission check failed (/access, Sys.Audit)");
  }
  const map = (path: string) =>
    Object.fromEntries([...privilegesAt(world, token, path)].sort().map((privilege) => [privilege, 1]));
  const path = params["path"];
  if (path !== undefined && path !== "") {
    const privileges = map(path);
    return Object.keys(privileges).length === 0 ? {} : { [path]: privileges };
  }
  const paths = Object.keys(world.proxmox.tokenAcl[token.id] ?? { "/": [] });
  return Object.fromEntries(paths.map((aclPath) => [aclPath, map(aclPath)]));
}
