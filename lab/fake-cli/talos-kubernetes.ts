import { kubernetesSupport, parseVersion } from "../../src/homelab/stages/talos-kubernetes.ts";
import { minorOf, multiError, type Yaml } from "./talos-machinery.ts";

/**
 * A node refuses a machine config whose Kubernetes images its own Talos version does not support.
 *
 * Where: only the node judges, since the check needs the running Talos version
 * (`version.NewVersion()`): `ValidateKubernetesImageTag` (siderolabs/talos@v1.12.4
 * pkg/machinery/config/types/v1alpha1/v1alpha1_validation.go:1034-1049), called from
 * `RuntimeValidate` for the kubelet image and, on a control plane, kube-apiserver,
 * kube-controller-manager and kube-scheduler (v1alpha1_validation.go:1000-1028), which
 * apply-config runs (maintenance: internal/app/maintenance/server.go:112-115, wrapped
 * `runtime configuration validation failed: `; configured: internal/server/v1alpha1/v1alpha1_server.go:204-206,
 * unwrapped). Neither `gen config` nor `talosctl validate` checks it (no caller of
 * `SupportedWith` in cmd/talosctl at @v1.12.4). The check arrived in 1.11 (absent at @v1.10.0).
 * From 1.14 it moved into `Validate` outside local mode (siderolabs/talos@v1.14.0-rc.1
 * v1alpha1_validation.go:369-372, ValidateKubernetesVersions at :967-1004) and the one apply
 * path wraps the v1alpha1 errors as `v1alpha1.Config: …` in a one-item list
 * (pkg/machinery/config/container/validate.go:37-56,70-83; v1alpha1_server.go:231-234).
 *
 * The text: `<name> image is not valid: version of Kubernetes 1.36.0 is too new to be used with
 * Talos 1.12.4` (kubernetes_version.go:83-90 at @v1.12.4), versions printed as semver does.
 * An image without a tag is the release's default image, which its own Talos supports: skipped.
 */

interface KubernetesImages {
  machine?: { type?: string; kubelet?: { image?: string } };
  cluster?: {
    apiServer?: { image?: string };
    controllerManager?: { image?: string };
    scheduler?: { image?: string };
  };
}

/** The `Image is not valid` lines a node running `talosVersion` raises for the v1alpha1 document. */
export function kubernetesImageErrors(v1alpha1: Yaml, talosVersion: string): string[] {
  const config = v1alpha1 as KubernetesImages;
  const images: [string, string | undefined][] = [["kubelet", config.machine?.kubelet?.image]];
  if (config.machine?.type === "controlplane" || config.machine?.type === "init") {
    images.push(
      ["kube-apiserver", config.cluster?.apiServer?.image],
      ["kube-controller-manager", config.cluster?.controllerManager?.image],
      ["kube-scheduler", config.cluster?.scheduler?.image],
    );
  }
  const talos = parseVersion(talosVersion);
  if (talos === undefined) {
    return [];
  }
  const errors: string[] = [];
  for (const [name, image] of images) {
    const at = image?.lastIndexOf(":v") ?? -1;
    if (image === undefined || at < 0) {
      continue;
    }
    const tag = image.slice(at + 2).split("@")[0] ?? "";
    const kubernetes = parseVersion(tag);
    const support = kubernetesSupport(tag, talosVersion);
    if (kubernetes === undefined) {
      continue;
    }
    if (support === "unknown Talos") {
      errors.push(`${name} image is not valid: compatibility with version ${talos.text} is not supported`);
    } else if (support !== "supported") {
      errors.push(
        `${name} image is not valid: version of Kubernetes ${kubernetes.text} is ${support} to be used with Talos ${talos.text}`,
      );
    }
  }
  return errors;
}

/**
 * The gRPC status message apply-config answers with for these errors, or undefined when the
 * node's version has no such check (before 1.11) or nothing is wrong.
 */
export function kubernetesRefusal(
  v1alpha1: Yaml,
  talosVersion: string | null | undefined,
  inMaintenance: boolean,
): string | undefined {
  const minor = minorOf(talosVersion);
  if (talosVersion === null || talosVersion === undefined || minor < 11) {
    return undefined;
  }
  const errors = kubernetesImageErrors(v1alpha1, talosVersion);
  if (errors.length === 0) {
    return undefined;
  }
  const list = multiError(errors);
  if (minor >= 14) {
    return `rpc error: code = InvalidArgument desc = ${multiError([`v1alpha1.Config: ${list}`]).trimEnd()}`;
  }
  const wrap = inMaintenance ? "runtime configuration validation failed: " : "";
  return `rpc error: code = InvalidArgument desc = ${wrap}${list.trimEnd()}`;
}
