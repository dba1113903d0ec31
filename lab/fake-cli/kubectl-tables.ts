import { certificates, storageClasses } from "./cluster-facts.ts";
import { fluxObjects, fluxTree } from "./kube-api.ts";
import type { FakeView } from "./world-view.ts";

/** kubectl's tables for what Flux put in the cluster: storage classes, certificates, Flux objects (Ingresses: kubectl-ingress.ts). */

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((name, index) =>
    Math.max(name.length, ...rows.map((row) => (row[index] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, index) => cell.padEnd((widths[index] ?? 0) + 3))
      .join("")
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}

/** The table for `kubectl get <kind>` when Flux manages that kind, else undefined. */
export function listFluxManaged(view: FakeView, kind: string, wide: boolean): string | undefined {
  if (kind === "sc" || kind === "storageclass" || kind === "storageclasses") {
    const classes = storageClasses(fluxTree(view));
    if (classes.length === 0) {
      return "No resources found\n";
    }
    return table(
      ["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"],
      classes.map((sc) => [
        `${sc.name}${sc.default ? " (default)" : ""}`,
        sc.provisioner,
        "Delete",
        "WaitForFirstConsumer",
        "true",
        "4m",
      ]),
    );
  }
  if (["certificate", "certificates", "cert", "certs"].includes(kind)) {
    // cert-manager's printer columns (deploy/crds: Ready, Secret, Issuer, Status (wide), Age).
    const rows = certificates(fluxTree(view), view.faults.certificatesNotReady);
    if (rows.length === 0) {
      return "No resources found\n";
    }
    return table(
      ["NAMESPACE", "NAME", "READY", "SECRET", ...(wide ? ["ISSUER", "STATUS"] : []), "AGE"],
      rows.map((cert) => [
        cert.namespace,
        cert.name,
        cert.pending === undefined ? "True" : "False",
        cert.secret,
        ...(wide
          ? [
              cert.issuer,
              cert.pending === undefined
                ? "Certificate is up to date and has not expired"
                : "Issuing certificate as Secret does not exist",
            ]
          : []),
        "3m",
      ]),
    );
  }
  if (["certificaterequest", "certificaterequests", "cr", "crs"].includes(kind)) {
    const rows = certificates(fluxTree(view), view.faults.certificatesNotReady);
    if (rows.length === 0) {
      return "No resources found\n";
    }
    return table(
      [
        "NAMESPACE",
        "NAME",
        "APPROVED",
        "DENIED",
        "READY",
        "ISSUER",
        "REQUESTER",
        ...(wide ? ["STATUS"] : []),
        "AGE",
      ],
      rows.map((cert) => [
        cert.namespace,
        `${cert.name}-1`,
        "True",
        "",
        cert.pending === undefined ? "True" : "False",
        cert.issuer,
        "system:serviceaccount:cert-manager:cert-manager",
        ...(wide ? [cert.pending ?? "Certificate fetched from issuer successfully"] : []),
        "3m",
      ]),
    );
  }
  if (kind === "kustomizations" || kind === "ks" || kind === "helmreleases" || kind === "hr") {
    const objects = fluxObjects(view, kind.startsWith("k") ? "Kustomization" : "HelmRelease");
    return table(
      ["NAMESPACE", "NAME", "AGE", "READY", "STATUS"],
      objects.map((object) => [
        object.namespace,
        object.name,
        "3m",
        object.ready ? "True" : "False",
        object.message,
      ]),
    );
  }
  return undefined;
}
