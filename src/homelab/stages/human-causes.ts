import { NIC_PENDING } from "./vms-nic.ts";

/**
 * Failures no change to the repo can fix: the step says so (exit 78, EX_CONFIG, which the loop
 * turns into an immediate needs_human naming the cause) instead of letting an executor or a model
 * spend attempts on them. Each is recognised by the real tool's own text.
 */
interface HumanCause {
  readonly pattern: RegExp;
  readonly what: string;
}

const HUMAN_CAUSES: readonly HumanCause[] = [
  {
    // The vms preflight's own words for a bridge whose `active` flag is absent (vms-preflight.ts).
    pattern: /is not active; apply the pending network configuration/,
    what: "the bridge is configured but not applied on the Proxmox node (Network > Apply Configuration, or ifreload -a)",
  },
  {
    // qemu-server's check when QEMU attaches the NIC: the node lists the bridge, the kernel lacks it.
    pattern: /bridge '[^']+' does not exist/,
    what: "the bridge is in /etc/network/interfaces but not up on the node: apply the network configuration there",
  },
  {
    // The vms stage's own words for a NIC change Proxmox keeps until the VM restarts (vms-nic.ts).
    pattern: new RegExp(NIC_PENDING),
    what: "the VM runs its old NIC until it restarts: restart it in Proxmox (the tool never restarts a VM)",
  },
  {
    // Flux's git client (go-git over x/crypto/ssh) when the server refuses every offered key.
    pattern: /ssh: unable to authenticate/,
    what: "the git server refuses the deploy key: add its public key to the repository's deploy keys",
  },
  {
    // cloudflared's registration refused by Cloudflare's edge.
    pattern: /Unauthorized: Invalid tunnel secret/,
    what: "the tunnel credential is invalid: download the tunnel's credentials again (cloudflared tunnel token)",
  },
];

/** The step's last line for a failure only a person can fix, or undefined. */
export function needsHumanLine(lastLine: string): string | undefined {
  const cause = HUMAN_CAUSES.find((candidate) => candidate.pattern.test(lastLine));
  return cause ? `needs a human: ${cause.what}: ${lastLine}` : undefined;
}

/** Proxmox answers 595 for a node it cannot reach (the cluster forwards to it): it is down. */
export function proxmoxNodeDownLine(node: string, lastLine: string): string {
  return `needs a human: Proxmox node ${node} does not answer (595): power it on or fix its network: ${lastLine}`;
}
