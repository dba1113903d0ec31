import { resolveNodes } from "../cluster-file/index.ts";
import { listed, type StageCheck } from "./checks.ts";

/** The talos stage's success checks (research §1 talos "Success"); Ready nodes are the infra stage's. */
export const TALOS_CHECKS: readonly StageCheck[] = [
  {
    name: "machines-running",
    description: "every node's machine stage is running",
    async run(cluster, { talosctl }) {
      for (const node of resolveNodes(cluster)) {
        const stage = await talosctl.machineStage(node.ip, { insecure: false });
        if (stage !== "running") {
          return `${node.name} (${node.ip}) is in machine stage ${stage || "(none)"}, not running`;
        }
      }
      return undefined;
    },
  },
  {
    name: "etcd-members",
    description: "etcd members are exactly the control planes",
    async run(cluster, { talosctl }) {
      const controlPlanes = resolveNodes(cluster).filter((node) => node.role === "controlplane");
      const first = controlPlanes[0];
      if (!first) {
        return "no control plane in the cluster file";
      }
      const members = await talosctl.etcdMembers(first.ip);
      const got = members.map((member) => member.peerIp).sort();
      const want = controlPlanes.map((node) => node.ip).sort();
      const learners = members.filter((member) => member.learner).map((member) => member.hostname);
      if (got.join() !== want.join() || learners.length > 0) {
        return `etcd members are ${listed(got)}${learners.length > 0 ? ` (learners: ${listed(learners)})` : ""}; expected the control planes ${listed(want)}`;
      }
      return undefined;
    },
  },
  {
    name: "services-healthy",
    description: "etcd (control planes) and kubelet report Running and OK",
    async run(cluster, { talosctl }) {
      for (const node of resolveNodes(cluster)) {
        for (const id of node.role === "controlplane" ? ["etcd", "kubelet"] : ["kubelet"]) {
          const service = await talosctl.service(node.ip, id);
          if (service.state !== "Running" || service.health !== "OK") {
            return `${node.name} (${node.ip}) service ${id} is ${service.state}, health ${service.health}: ${service.events[0] ?? "no events"}`;
          }
        }
      }
      return undefined;
    },
  },
  {
    name: "talos-version",
    description: "every node runs talos.version",
    async run(cluster, { talosctl }) {
      for (const node of resolveNodes(cluster)) {
        const tag = await talosctl.serverVersion(node.ip);
        if (tag !== cluster.talos.version) {
          return `${node.name} (${node.ip}) runs Talos ${tag ?? "(unknown)"}, the cluster file says ${cluster.talos.version}`;
        }
      }
      return undefined;
    },
  },
  {
    name: "api-ready",
    description: "kubectl get --raw /readyz prints ok",
    async run(_cluster, { kubectl }) {
      const answer = (await kubectl.raw("/readyz")).trim();
      return answer === "ok" ? undefined : `the API server answered /readyz with "${answer}"`;
    },
  },
];
