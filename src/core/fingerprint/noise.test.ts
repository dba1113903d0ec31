import { describe, expect, it } from "vitest";
import { cleanLine, cleanLogLines } from "./noise.ts";

describe("cleanLine", () => {
  it("strips ANSI colour and cursor codes", () => {
    expect(cleanLine("\x1b[31;1mError:\x1b[0m \x1b[2Kapply failed")).toBe("Error: apply failed");
  });

  it("keeps only what a carriage return left visible", () => {
    expect(cleanLine("downloading 10%\rdownloading 55%\rerror: download failed")).toBe(
      "error: download failed",
    );
  });

  it("drops spinner glyphs", () => {
    expect(cleanLine("⠋ waiting for etcd to be healthy: OK")).toBe("waiting for etcd to be healthy: OK");
    expect(cleanLine("/ waiting for kubelet")).toBe("waiting for kubelet");
  });

  it("drops progress bars and percentages", () => {
    expect(cleanLine("pulling image [=========>          ] 45%")).toBe("pulling image");
  });

  it("drops klog headers with their file.go:line", () => {
    expect(
      cleanLine(
        'E1125 17:02:11.123456   12345 reflector.go:158] "Unhandled Error" err="failed to list *v1.Node"',
      ),
    ).toBe('"Unhandled Error" err="failed to list *v1.Node"');
  });

  it("drops ISO timestamps, syslog prefixes and dmesg times", () => {
    expect(cleanLine("2025-11-25T17:02:11.123Z ERROR reconcile failed")).toBe("ERROR reconcile failed");
    expect(cleanLine("Nov 25 17:02:11 pve pvedaemon[1234]: error")).toBe("error");
    expect(cleanLine("[   12.345678] kernel panic")).toBe("kernel panic");
  });

  it("drops volatile JSON log fields such as ts, reconcileID and revision", () => {
    const flux =
      '{"level":"error","ts":"2025-11-25T17:02:11.123Z","msg":"Reconciler error","controller":"kustomization","reconcileID":"6f1c2a7e-1b2c-4d5e-8f90-a1b2c3d4e5f6","revision":"main@sha1:0a1b2c3d4e5f60718293a4b5c6d7e8f901234567","error":"kustomize build failed"}';
    expect(cleanLine(flux)).toBe(
      "error Reconciler error controller=kustomization error=kustomize build failed",
    );
  });

  it("drops revisions in plain text", () => {
    expect(cleanLine("applied revision main@sha1:0a1b2c3d4e5f60718293a4b5c6d7e8f901234567")).toBe(
      "applied revision <rev>",
    );
  });

  it("drops Kubernetes event ages and counts", () => {
    expect(
      cleanLine("Warning BackOff pod/cilium-x Back-off restarting failed container (x33 over 3h55m)"),
    ).toBe("Warning BackOff pod/cilium-x Back-off restarting failed container");
  });

  it("replaces binary bytes and cuts gigantic lines", () => {
    expect(cleanLine("ok\x00\x01\x02binary")).toBe("ok binary");
    expect(cleanLine("y".repeat(100_000)).length).toBe(2000);
  });
});

describe("cleanLogLines", () => {
  it("unframes Terraform diagnostics and re-joins their wrapped sentences", () => {
    const wrap = (width: number) => {
      const sentence =
        "error creating VM: 500 storage 'local-lvm' does not exist on node pve, check proxmox.storage";
      const words = sentence.split(" ");
      const rows: string[] = [];
      let row = "";
      for (const word of words) {
        if (row !== "" && row.length + word.length + 1 > width) {
          rows.push(row);
          row = word;
        } else {
          row = row === "" ? word : `${row} ${word}`;
        }
      }
      rows.push(row);
      return [
        "╷",
        "│ Error: proxmox API",
        "│ ",
        ...rows.map((r) => `│ ${r}`),
        "│ ",
        '│   with proxmox_vm_qemu.talos["cp-1"],',
        "╵",
      ].join("\n");
    };
    const narrow = cleanLogLines(wrap(30));
    expect(narrow).toEqual(cleanLogLines(wrap(70)));
    expect(narrow).toContain(
      "error creating VM: 500 storage 'local-lvm' does not exist on node pve, check proxmox.storage",
    );
    expect(narrow).toContain('  with proxmox_vm_qemu.talos["cp-1"],');
  });

  it("drops blank lines and CRLF endings", () => {
    expect(cleanLogLines("one\r\n\r\n  \r\ntwo\r\n")).toEqual(["one", "two"]);
  });

  it("masks the object a Flux controller's JSON log line names, so another object's same failure matches", () => {
    const line = (name: string) =>
      `{"level":"error","ts":"2025-11-25T17:02:11.123Z","msg":"Reconciliation failed after 1.2s, next try in 2m0s","controller":"kustomization","Kustomization":{"name":"${name}","namespace":"flux-system"},"namespace":"flux-system","name":"${name}","reconcileID":"9c1f6a2e-7b3d-4e5f-8a9b-0c1d2e3f4a5b","error":"dependency 'flux-system/infra' is not ready"}`;
    expect(cleanLine(line("apps"))).toBe(
      "error Reconciliation failed after 1.2s, next try in 2m0s controller=kustomization Kustomization=<*> namespace=<*> name=<*> error=dependency 'flux-system/infra' is not ready",
    );
    expect(cleanLine(line("ingress"))).toBe(cleanLine(line("apps")));
  });

  it("masks the names that start a kubectl or flux READY row", () => {
    expect(cleanLine("flux-system   apps   False   kustomization path not found")).toBe(
      "<*> False kustomization path not found",
    );
  });
});
