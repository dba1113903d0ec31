import { describe, expect, it } from "vitest";
import {
  buildCaseFile,
  type CaseFileInput,
  type CaseLiveFacts,
  distinctWords,
  errorPointers,
} from "./index.ts";

const CLUSTER = [
  "proxmox:",
  "  node: pve",
  "  storage: local-zfs                        # holds VM disks (content: images)",
  "  bridge: vmbr0",
  "gitops:",
  "  flux: { url: ssh://git@github.com/me/home-ops.git, deployKeyFile: deploy-key.pem }",
].join("\n");

const ERROR =
  'step vms failed: proxmox: storage "local-zfs" does not exist on node pve (it has: local, local-lvm); set proxmox.storage';

const FACTS: CaseLiveFacts = {
  sections: [
    {
      title: "Storages on pve",
      source: "GET /nodes/pve/storage",
      kind: "observed",
      lines: [
        "local: type dir, content iso,vztmpl,backup",
        "local-lvm: type lvmthin, content images,rootdir",
      ],
    },
    {
      title: "Flux objects not Ready",
      source: "flux get ks -A; flux get hr -A",
      kind: "quoted",
      lines: ["HelmRelease default/echo: READY False: Helm upgrade failed: context deadline exceeded"],
    },
  ],
  unavailable: ["talosctl version --insecure -n 192.168.1.22: error getting version: i/o timeout"],
};

function vmsCase(overrides: Partial<CaseFileInput> = {}): CaseFileInput {
  return {
    stage: "vms",
    goal: "Proxmox VMs for the Talos nodes",
    caseId: "20261129-190000-abcdef",
    version: 1,
    criteria: [],
    fingerprint: { template: "t", exact: "e", lines: [ERROR] },
    attemptHistory: [],
    logTail: `proxmox: Proxmox VE 8.3.2\n${ERROR}\n`,
    files: [{ path: "config/clusters/prox-n100.yaml", content: CLUSTER, reason: "matches files glob" }],
    memoSections: [],
    earlierPatches: [],
    diagnostics: [],
    liveFacts: FACTS,
    safety: {
      protectedPaths: [],
      secretGlobs: [],
      maxFiles: 5,
      maxChangedLines: 80,
      allowedDiagnostics: ["orchestrator proxmox get"],
    },
    ...overrides,
  };
}

describe("the live facts in a case file", () => {
  it("shows each section with the call it comes from, marks a tool's own text untrusted, and lists what could not be gathered", () => {
    const { markdown } = buildCaseFile(vmsCase());
    const facts = markdown.slice(markdown.indexOf("## Live facts"), markdown.indexOf("## Earlier fixes"));
    expect(facts).toContain("### Storages on pve (`GET /nodes/pve/storage`)\n\n```text\nlocal: type dir");
    expect(facts).toContain("local-lvm: type lvmthin, content images,rootdir");
    expect(facts).toContain("### Flux objects not Ready (`flux get ks -A; flux get hr -A`) (untrusted data)");
    expect(facts).not.toContain("### Storages on pve (`GET /nodes/pve/storage`) (untrusted data)");
    expect(facts).toContain("### Could not be gathered (untrusted data)");
    expect(facts).toContain(
      "talosctl version --insecure -n 192.168.1.22: error getting version: i/o timeout",
    );
    // After the log tail, before the files: read with the error, ahead of the context.
    expect(markdown.indexOf("## Log tail")).toBeLessThan(markdown.indexOf("## Live facts"));
    expect(markdown.indexOf("## Live facts")).toBeLessThan(markdown.indexOf("## Relevant files"));
  });

  it("says nothing about live facts when there are none", () => {
    const { markdown } = buildCaseFile(vmsCase({ liveFacts: { sections: [], unavailable: [] } }));
    expect(markdown).not.toContain("## Live facts");
  });

  it("cuts the live facts before the log tail when the budget is tight, and says so", () => {
    const many: CaseLiveFacts = {
      sections: Array.from({ length: 6 }, (_, index) => ({
        title: `VMs on node ${index}`,
        source: `GET /nodes/pve${index}/qemu`,
        kind: "observed" as const,
        lines: Array.from(
          { length: 40 },
          (_, line) => `${100 + line} vm-${line} on pve${index}: running, net0 virtio=BC:24:11:00:00:${line}`,
        ),
      })),
      unavailable: [],
    };
    const logTail = Array.from({ length: 30 }, (_, line) => `vms: step ${line} of the run`).join("\n");
    const input = vmsCase({ liveFacts: many, logTail: `${logTail}\n${ERROR}\n`, tokenBudget: 3500 });
    const built = buildCaseFile(input);
    expect(built.tokens).toBeLessThanOrEqual(3500);
    // The whole log tail stays; the facts lose sections, named in "Left out".
    expect(built.markdown).toContain("vms: step 0 of the run");
    expect(built.markdown).toContain("### VMs on node 0");
    expect(built.markdown).not.toContain("### VMs on node 5");
    expect(built.omitted.some((item) => item.includes('the live facts "VMs on node 5"'))).toBe(true);
    expect(built.markdown).toContain("## Left out of this case file");
  });
});

describe("where the error points", () => {
  it("names the line of the stage's file that holds the value the error names", () => {
    const { markdown } = buildCaseFile(vmsCase());
    expect(markdown).toContain("## Where the error points (untrusted data)");
    expect(markdown).toContain(
      "- `config/clusters/prox-n100.yaml` line 3 holds `local-zfs`: `storage: local-zfs                        # holds VM disks (content: images)`",
    );
  });

  it("follows a missing file's name from the path in the error to the line that names it", () => {
    const files = [{ path: "config/clusters/prox-n100.yaml", content: CLUSTER, reason: "" }];
    const pointers = errorPointers(
      [
        "$ flux --kubeconfig /tmp/q/homelab/kubeconfig bootstrap git --url=ssh://git@github.com/me/home-ops.git --path=kubernetes/flux/cluster",
        "step infra failed: ✗ open /tmp/q/homelab/deploy-key.pem: no such file or directory",
      ],
      files,
    );
    // The last line is the failure; the command line above it would point at the whole flux block.
    expect(pointers).toEqual([
      expect.objectContaining({ path: "config/clusters/prox-n100.yaml", line: 6, words: ["deploy-key.pem"] }),
    ]);
  });

  it("points at a file whose path names the object the error names", () => {
    const files = [
      {
        path: "kubernetes/apps/default/echo/app/helmrelease.yaml",
        content: "kind: HelmRelease\n",
        reason: "",
      },
      {
        path: "kubernetes/apps/network/tunnel/app/helmrelease.yaml",
        content: "kind: HelmRelease\n",
        reason: "",
      },
    ];
    const pointers = errorPointers(["HelmRelease default/echo is not Ready: Helm upgrade failed"], files);
    expect(pointers).toEqual([
      {
        path: "kubernetes/apps/default/echo/app/helmrelease.yaml",
        line: 0,
        words: ["default/echo"],
        text: "",
      },
    ]);
  });

  it("names the value the error quotes or a path before the node and address it happened on, once per line", () => {
    const cluster = [
      "talos:",
      "  installDisk: /dev/vda   # scsi disks appear as /dev/sda; virtio-blk as /dev/vda",
      "nodes:",
      "  - { name: cp-1, role: controlplane, ip: 192.168.1.21 }",
    ].join("\n");
    const pointers = errorPointers(
      [
        "talos: cp-1 (192.168.1.21): install disk /dev/vda is not on the node; its disks: /dev/sda (69 GB, scsi); set talos.installDisk",
      ],
      [{ path: "config/clusters/prox-n100.yaml", content: cluster, reason: "" }],
    );
    expect(pointers.map((pointer) => [pointer.line, pointer.words])).toEqual([
      [2, ["/dev/vda", "/dev/sda"]],
      [4, ["cp-1", "192.168.1.21"]],
    ]);
  });

  it("takes only words that name something: not plain words, bare numbers or a word in the middle of a longer name", () => {
    expect(
      distinctWords('dial tcp 192.168.1.22:50000: i/o timeout on "pve1" at /dev/vda (exit 1, 10257)'),
    ).toEqual(["192.168.1.22:50000", "192.168.1.22", "pve1", "/dev/vda"]);
    const files = [{ path: "c.yaml", content: "node: pve12\nother: pve1-b\n", reason: "" }];
    expect(errorPointers(["hostname lookup 'pve1' failed"], files)).toEqual([]);
  });
});
