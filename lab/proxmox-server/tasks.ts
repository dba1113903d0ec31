import { formatUpid } from "../../src/homelab/proxmox/upid.ts";
import type { LabTalosMachine, LabTask, LabTaskEffect, World } from "../world/index.ts";

export interface NewTask {
  readonly node: string;
  readonly type: string;
  readonly id: string;
  /** `user@realm!token` as the UPID carries it. */
  readonly user: string;
  readonly effect: LabTaskEffect;
  /** Lines logged while it runs; the final `TASK OK` / `TASK ERROR: …` is added when it stops. */
  readonly log: readonly string[];
  readonly failure?: { exitstatus: string; log: readonly string[] };
}

/** Records a task with a real-format UPID; with `taskPolls: 0` it stops at once. */
export function startTask(world: World, spec: NewTask, now: Date): LabTask {
  const pid = world.proxmox.nextPid++;
  const starttime = Math.floor(now.getTime() / 1000);
  const upid = formatUpid({
    node: spec.node,
    pid,
    pstart: 0x00a1b2c3 + pid,
    starttime,
    type: spec.type,
    id: spec.id,
    user: spec.user,
  });
  const task: LabTask = {
    upid,
    node: spec.node,
    type: spec.type,
    id: spec.id,
    user: spec.user,
    starttime,
    status: "running",
    log: [...spec.log],
    pollsLeft: world.proxmox.taskPolls,
    effect: spec.effect,
    ...(spec.failure ? { failure: { exitstatus: spec.failure.exitstatus, log: [...spec.failure.log] } } : {}),
  };
  world.proxmox.tasks[upid] = task;
  if (task.pollsLeft === 0) {
    stopTask(world, task, now);
  }
  return task;
}

/** One status read: a running task counts down and stops when its polls are used up. */
export function pollTask(world: World, task: LabTask, now: Date): void {
  if (task.status === "stopped") {
    return;
  }
  if (task.pollsLeft > 0) {
    task.pollsLeft--;
    return;
  }
  stopTask(world, task, now);
}

function stopTask(world: World, task: LabTask, now: Date): void {
  task.status = "stopped";
  task.endtime = Math.floor(now.getTime() / 1000);
  if (task.failure) {
    task.exitstatus = task.failure.exitstatus;
    task.log.push(...task.failure.log, `TASK ERROR: ${task.failure.exitstatus}`);
    undoFailed(world, task.effect);
    return;
  }
  task.exitstatus = "OK";
  task.log.push("TASK OK");
  applyEffect(world, task.effect);
}

function undoFailed(world: World, effect: LabTaskEffect): void {
  if (effect.kind === "create") {
    delete world.proxmox.vms[String(effect.vmid)];
  }
}

function applyEffect(world: World, effect: LabTaskEffect): void {
  switch (effect.kind) {
    case "create": {
      const vm = world.proxmox.vms[String(effect.vmid)];
      if (vm) {
        delete vm.lock;
        delete vm.config["lock"];
      }
      return;
    }
    case "download":
      world.proxmox.volumes[effect.volid] = effect.volume;
      return;
    case "start": {
      const vm = world.proxmox.vms[String(effect.vmid)];
      if (vm) {
        vm.status = "running";
        recordTalosMachine(world, effect.vmid);
      }
      return;
    }
  }
}

/**
 * A VM whose disk is empty boots the CD-ROM; booted from a Talos ISO it is a Talos node in
 * maintenance mode, at the address its MAC's DHCP reservation gives.
 */
function recordTalosMachine(world: World, vmid: number): void {
  const vm = world.proxmox.vms[String(vmid)];
  if (!vm || world.talos.machines[String(vmid)]) {
    return;
  }
  const cdrom = String(vm.config["ide2"] ?? "").split(",")[0] ?? "";
  const iso = world.proxmox.volumes[cdrom];
  const isTalos = /talos/i.test(cdrom) || /factory\.talos\.dev/.test(iso?.sourceUrl ?? "");
  if (!isTalos) {
    return;
  }
  const mac = (/=([0-9a-f:]{17})/i.exec(String(vm.config["net0"] ?? ""))?.[1] ?? "").toLowerCase();
  const machine: LabTalosMachine = {
    vmid,
    name: vm.name,
    mac,
    ip: world.network.dhcpReservations[mac] ?? null,
    stage: "maintenance",
    isoTalosVersion: /\/(v\d+\.\d+\.\d+)\//.exec(iso?.sourceUrl ?? "")?.[1] ?? null,
  };
  world.talos.machines[String(vmid)] = machine;
}
