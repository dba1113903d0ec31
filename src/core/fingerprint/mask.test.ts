import { describe, expect, it } from "vitest";
import { maskMessage } from "./masked-line.ts";

describe("maskMessage", () => {
  it.each([
    [
      "numbers and signs",
      "PacketResponder 1 for block blk_-6952295868487656571 terminating",
      "PacketResponder <*> for block blk_<*> terminating",
    ],
    [
      "IPv4 with port",
      "dial tcp 192.168.1.21:50000: connect: connection refused",
      "dial tcp <*>: connect: connection refused",
    ],
    ["IPv6 with port", "dial tcp [fd00::21]:50000: i/o timeout", "dial tcp <*>: i/o timeout"],
    ["UUIDs", "[instance: b9000564-fe1a-409b-b8cc-1e88b294cd1d] VM Started", "[instance: <*>] VM Started"],
    ["hex ids", "container 3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e exited", "container <*> exited"],
    [
      "durations",
      "context deadline exceeded after 1m30.5s (waited 250ms)",
      "context deadline exceeded after <*> (waited <*>)",
    ],
    [
      "temporary folders",
      "open /tmp/talos-3491/talosconfig: no such file or directory",
      "open <*>: no such file or directory",
    ],
    [
      "macOS temporary folders",
      "stat /var/folders/xy/abc_def/T/kubeconfig: permission denied",
      "stat <*>: permission denied",
    ],
    ["pod-name suffixes", "pod cilium-7d9f8b6c4-x2x7k is not ready", "pod cilium-<*> is not ready"],
    [
      "pod names with a short suffix",
      "Back-off restarting failed container in pod coredns-5d78c9869d-q4w8z",
      "Back-off restarting failed container in pod coredns-<*>",
    ],
    [
      "Proxmox UPIDs",
      "TASK ERROR UPID:pve:0000ABCD:00112233:5F0A1B2C:qmcreate:121:root@pam: unable to create VM",
      "TASK ERROR <*> unable to create VM",
    ],
    [
      "variable keys",
      "reconcile failed reconcileID=1f2e3d uid=ab-cd pid=42 port=6443 name=flux-system",
      "reconcile failed reconcileID=<*> uid=<*> pid=<*> port=<*> name=flux-system",
    ],
    [
      "versions",
      "talosctl v1.12.4 is newer than the node (v1.9.0)",
      "talosctl <*> is newer than the node (<*>)",
    ],
    ["sizes with units", "1190 bytes (1.16 KB) sent", "<*> sent"],
    [
      "calendar dates",
      "connection from 10.0.0.1 () at Fri Jun 17 07:07:00 2005",
      "connection from <*> at <*>",
    ],
  ])("masks %s", (_rule, message, template) => {
    expect(maskMessage(message)).toBe(template);
  });

  it("keeps words that carry digits but name a thing", () => {
    expect(maskMessage("x509: certificate signed by unknown authority")).toBe(
      "x509: certificate signed by unknown authority",
    );
    expect(maskMessage("link vmbr0 is down")).toBe("link vmbr0 is down");
    expect(maskMessage("open through proxy SOCKS5")).toBe("open through proxy SOCKS5");
  });

  it("masks the names a tool quotes and keeps the kinds it quotes", () => {
    expect(maskMessage("500 storage 'local-lvm' does not exist")).toBe("<*> storage '<*>' does not exist");
    expect(maskMessage("TASK ERROR: bridge 'vmbr0' does not exist")).toBe(
      "TASK ERROR: bridge '<*>' does not exist",
    );
    expect(maskMessage('Error from server (NotFound): pods "cilium-7d9f8b6c4-x2x7k" not found')).toBe(
      'Error from server (NotFound): pods "<*>" not found',
    );
    expect(maskMessage('no matches for kind "HelmRelease" in version "helm.toolkit.fluxcd.io/v2"')).toBe(
      'no matches for kind "HelmRelease" in version "<*>"',
    );
  });

  it("masks home-folder paths, namespace/name and name@version, keeping other paths and the kind before a name", () => {
    expect(maskMessage("open /home/ada/homelab-missing/talos/patch.yaml: no such file or directory")).toBe(
      "open <*>: no such file or directory",
    );
    expect(maskMessage("stat ~/src/homelab/clusters/prod: not a directory")).toBe(
      "stat <*>: not a directory",
    );
    expect(
      maskMessage(
        "Helm install failed for release cert-manager/cert-manager with chart cert-manager@v1.16.2:",
      ),
    ).toBe("Helm install failed for release <*> with chart <*>:");
    expect(maskMessage("read /dev/sda: i/o timeout")).toBe("read /dev/sda: i/o timeout");
    expect(maskMessage("error: timed out waiting for the condition on pods/authservice-0")).toBe(
      "error: timed out waiting for the condition on pods/<*>",
    );
    expect(maskMessage("deployment.apps/cloudflared configured")).toBe("deployment.apps/<*> configured");
  });

  it("keeps plain words and the values of keys that do not vary", () => {
    expect(maskMessage("status=False reason=ReconciliationFailed")).toBe(
      "status=False reason=ReconciliationFailed",
    );
  });

  it("masks the same error on other addresses and ids to the same template", () => {
    const a =
      'error: Get "https://10.0.0.5:6443/api?timeout=32s": x509: certificate is valid for 10.0.0.5, not 172.19.82.101';
    const b =
      'error: Get "https://192.168.1.20:6443/api?timeout=32s": x509: certificate is valid for 192.168.1.20, not 10.1.1.1';
    expect(maskMessage(a)).toBe(maskMessage(b));
  });
});
