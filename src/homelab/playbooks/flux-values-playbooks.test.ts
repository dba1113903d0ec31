import { afterEach, describe, expect, it } from "vitest";
import { type FluxRepo, fluxRepo } from "./flux-playbooks.fixture.ts";

/** The lines the lab's helm-controller and the infra stage printed for each fault (`qualify`). */
const QUOTED_PORT = [
  "step apps failed: apps: Kustomizations and HelmReleases Ready: HelmRelease default/echo is not Ready: Helm install failed for release default/echo with chart app-template@4.3.0: values don't meet the specifications of the schema(s) in the following chart(s):",
  "app-template:",
  "- at '/service/app/ports/http/port': got string, want integer",
].join("\n");
const PORT_OUT_OF_RANGE = [
  "step obs failed: obs: Kustomizations and HelmReleases Ready: HelmRelease observability/kube-prometheus-stack is not Ready: Helm install failed for release observability/kube-prometheus-stack with chart kube-prometheus-stack@79.5.0: values don't meet the specifications of the schema(s) in the following chart(s):",
  "kube-prometheus-stack:",
  "- at '/prometheus/service/port': maximum: got 90900, want 65535",
].join("\n");
const NO_DEFAULT_CLASS =
  "step infra failed: check default-storage-class: 0 default storage classes (none); exactly one must be the default";

const ECHO_RELEASE = "kubernetes/apps/default/echo/app/helmrelease.yaml";
const PROMETHEUS_RELEASE = "kubernetes/apps/observability/kube-prometheus-stack/app/helmrelease.yaml";
const LOCAL_PATH_RELEASE = "kubernetes/apps/storage/local-path-provisioner/app/helmrelease.yaml";

let repo: FluxRepo | undefined;
afterEach(async () => {
  await repo?.close();
  repo = undefined;
});

describe("the HelmRelease values playbook", () => {
  it("writes a port the chart wants as an integer without its quotes", async () => {
    repo = await fluxRepo("apps-helm-value-refused");
    const run = await repo.run(QUOTED_PORT, [ECHO_RELEASE]);
    expect(run).toMatchObject({ kind: "changed", playbook: "helm-value-schema-refused", path: ECHO_RELEASE });
    expect(run.summary).toContain('values.service.app.ports.http.port "80" → 80');
    expect(await repo.read(ECHO_RELEASE)).toBe(repo.original[ECHO_RELEASE]);
  });

  it("removes a port above the schema's maximum so the chart's default applies, and the maps it leaves empty", async () => {
    repo = await fluxRepo("obs-prometheus-port-refused");
    const run = await repo.run(PORT_OUT_OF_RANGE, [PROMETHEUS_RELEASE]);
    expect(run).toMatchObject({ kind: "changed", path: PROMETHEUS_RELEASE });
    expect(run.summary).toContain(
      "values.prometheus.service.port 90900 removed (maximum: got 90900, want 65535)",
    );
    const original = repo.original[PROMETHEUS_RELEASE] ?? "";
    expect(await repo.read(PROMETHEUS_RELEASE)).toBe(
      original.replace("    prometheus:\n      service:\n        port: 9090\n", ""),
    );
  });

  it("leaves a refused value with no one right fix to a human and says which", async () => {
    repo = await fluxRepo(undefined);
    const before = await repo.read(ECHO_RELEASE);
    const run = await repo.run(
      QUOTED_PORT.replace("got string, want integer", "value must be one of 'a', 'b'"),
    );
    expect(run.kind).toBe("no_change");
    expect(run.summary).toContain(
      "no value has one right fix: values.service.app.ports.http.port: value must be one of",
    );
    expect(await repo.read(ECHO_RELEASE)).toBe(before);
  });
});

describe("the default StorageClass playbook", () => {
  it("marks local-path-provisioner's class default when it is the tree's only StorageClass", async () => {
    repo = await fluxRepo("infra-no-default-storage-class");
    const run = await repo.run(NO_DEFAULT_CLASS, [LOCAL_PATH_RELEASE]);
    expect(run).toMatchObject({
      kind: "changed",
      playbook: "storage-class-no-default",
      path: LOCAL_PATH_RELEASE,
    });
    expect(await repo.read(LOCAL_PATH_RELEASE)).toBe(repo.original[LOCAL_PATH_RELEASE]);
  });

  it("leaves the choice to a human when the tree makes two StorageClasses", async () => {
    repo = await fluxRepo("infra-no-default-storage-class", (files) => {
      files.set(
        "kubernetes/apps/storage/nfs/app/storageclass.yaml",
        "---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: nfs\nprovisioner: nfs.csi.k8s.io\n",
      );
    });
    const run = await repo.run(NO_DEFAULT_CLASS);
    expect(run.kind).toBe("no_change");
    expect(run.summary).toContain("the tree makes 2 StorageClasses");
    expect(await repo.read(LOCAL_PATH_RELEASE)).toContain("defaultClass: false");
  });
});
