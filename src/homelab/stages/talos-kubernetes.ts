/**
 * Which Kubernetes versions each Talos minor runs: the one copy of Talos's support matrix, used by
 * the lab's talosctl (to refuse as a node does) and by the playbook that picks a supported version.
 *
 * Talos keeps it in pkg/machinery/compatibility/talos1NN/talos1NN.go as `MinimumKubernetesVersion`
 * (inclusive) and `MaximumKubernetesVersion` (`1.N.99`, exclusive: `core.Compare(max) >= 0` is
 * "too new"), and compares only major.minor.patch (siderolabs/talos@v1.12.4
 * pkg/machinery/compatibility/kubernetes_version.go:80-91; the same at @ad8823176 (main)
 * kubernetes_version.go:89-100). A Talos minor outside the table is "not supported" there
 * (kubernetes_version.go:76-77).
 *
 * Rows (minimum, maximum) as each file says them, lines 24-28:
 * - 1.10: 1.28.0, 1.33.99 — siderolabs/talos@v1.12.4 pkg/machinery/compatibility/talos110/talos110.go:25,28
 * - 1.11: 1.29.0, 1.34.99 — @v1.12.4 talos111/talos111.go:25,28
 * - 1.12: 1.30.0, 1.35.99 — @v1.12.4 talos112/talos112.go:25,28
 * - 1.13: 1.31.0, 1.36.99 — @ad8823176 (main) talos113/talos113.go:25,28
 * - 1.14: 1.32.0, 1.37.99 — @ad8823176 talos114/talos114.go:25,28
 * - 1.15: 1.33.0, 1.38.99 — @ad8823176 talos115/talos115.go:25,28
 */

type Triple = readonly [number, number, number];

interface KubernetesRange {
  readonly minimum: Triple;
  /** Exclusive. */
  readonly maximum: Triple;
}

const SUPPORT: Readonly<Record<number, KubernetesRange>> = {
  10: { minimum: [1, 28, 0], maximum: [1, 33, 99] },
  11: { minimum: [1, 29, 0], maximum: [1, 34, 99] },
  12: { minimum: [1, 30, 0], maximum: [1, 35, 99] },
  13: { minimum: [1, 31, 0], maximum: [1, 36, 99] },
  14: { minimum: [1, 32, 0], maximum: [1, 37, 99] },
  15: { minimum: [1, 33, 0], maximum: [1, 38, 99] },
};

/**
 * A version as semver's ParseTolerant reads it (a leading `v` dropped, a missing minor or patch
 * taken as 0): its core triple, and the text Talos prints (`1.36.0`, `1.14.0-alpha.0`).
 */
export interface ParsedVersion {
  readonly core: Triple;
  readonly text: string;
}

export function parseVersion(version: string): ParsedVersion | undefined {
  const found = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.exec(
    version.trim(),
  );
  if (!found) {
    return undefined;
  }
  const core: Triple = [Number(found[1]), Number(found[2] ?? 0), Number(found[3] ?? 0)];
  return { core, text: `${core.join(".")}${found[4] ?? ""}` };
}

function compare(a: Triple, b: Triple): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

export type KubernetesSupport = "supported" | "too old" | "too new" | "unknown Talos";

/** How Talos `talosVersion` judges Kubernetes `kubernetesVersion`; unparsable input is "unknown Talos". */
export function kubernetesSupport(kubernetesVersion: string, talosVersion: string): KubernetesSupport {
  const talos = parseVersion(talosVersion);
  const kubernetes = parseVersion(kubernetesVersion);
  const range = talos && talos.core[0] === 1 ? SUPPORT[talos.core[1]] : undefined;
  if (range === undefined || kubernetes === undefined) {
    return "unknown Talos";
  }
  if (compare(kubernetes.core, range.minimum) < 0) {
    return "too old";
  }
  return compare(kubernetes.core, range.maximum) >= 0 ? "too new" : "supported";
}

/**
 * The newest Kubernetes every one of `talosVersions` supports, as `v1.N.0`, or undefined when
 * one is outside the table or they share no minor. The patch is 0 because the matrix knows
 * minors only; `1.N.0` is also what Talos `1.M.0` itself defaults to for its newest minor
 * (`DefaultKubernetesVersion`, siderolabs/talos@v1.12.0 pkg/machinery/constants/constants.go:404
 * = 1.35.0; @v1.11.0 constants.go:397 = 1.34.0; @v1.13.0 constants.go:366 = 1.36.0).
 */
export function newestSupportedKubernetes(talosVersions: readonly string[]): string | undefined {
  let newestMinor = Number.POSITIVE_INFINITY;
  let oldestMinor = 0;
  for (const version of talosVersions) {
    const talos = parseVersion(version);
    const range = talos && talos.core[0] === 1 ? SUPPORT[talos.core[1]] : undefined;
    if (range === undefined) {
      return undefined;
    }
    newestMinor = Math.min(newestMinor, range.maximum[1]);
    oldestMinor = Math.max(oldestMinor, range.minimum[1]);
  }
  return Number.isFinite(newestMinor) && newestMinor >= oldestMinor ? `v1.${newestMinor}.0` : undefined;
}
