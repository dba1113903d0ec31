import { readFileSync } from "node:fs";
import { link, open, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { LockHeldError, UserError } from "../../errors/index.ts";
import { readIfExists } from "./atomic-file.ts";
import type { LockOwner } from "./schema.ts";

export interface HeldLock {
  release(): Promise<void>;
  /** Set when the lock was taken over from a process that no longer exists. */
  takenOverFrom: LockOwner | undefined;
}

/**
 * One run per repo. The lock file holds pid, host, the process's start time and the command; a
 * lock whose process is gone, or whose pid now belongs to another process (the same pid with
 * another start time: the pid was reused after a reboot or a crash), is taken over, and the
 * caller is told. A lock from another host is respected: nothing here can check that host.
 */
export async function acquireLock(path: string, command: string): Promise<HeldLock> {
  const startTicks = processStartTicks(process.pid);
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    command,
    ...(startTicks === undefined ? {} : { startTicks }),
  };
  let takenOverFrom: LockOwner | undefined;
  for (let tries = 0; tries < 3; tries++) {
    if (await placeLockFile(path, owner)) {
      return { release: () => releaseIfOurs(path, owner), takenOverFrom };
    }
    const text = await readLockFile(path);
    if (text === undefined) {
      continue;
    }
    const holder = parseOwner(text);
    if (holder && (holder.host !== owner.host || holderIsAlive(holder))) {
      throw new LockHeldError(holder.pid, holder.host, holder.since);
    }
    // Dead holder, or a lock file cut short by a crash. Re-read just before removing, so a
    // fresh lock another run took in the meantime is never deleted.
    if ((await readIfExists(path)) === text) {
      await unlink(path).catch(() => undefined);
      takenOverFrom = holder ?? { pid: 0, host: "unknown", since: "unknown" };
    }
  }
  const holder = parseOwner((await readIfExists(path)) ?? "");
  throw new LockHeldError(holder?.pid ?? 0, holder?.host ?? "unknown", holder?.since ?? "unknown");
}

/** The lock file's text; a folder in its place is the user's to remove, said in one line. */
async function readLockFile(path: string): Promise<string | undefined> {
  try {
    return await readIfExists(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EISDIR") {
      throw new UserError(
        `${path} is a folder, not the orchestrator's lock file: remove it (rmdir "${path}") and run again`,
      );
    }
    throw error;
  }
}

/**
 * Creates the lock file whole: the owner is written to a private file first and then linked
 * to the lock's name, which fails if the name exists. A competing run therefore never sees a
 * lock file half-written (and empty files are left only by crashes, which may be taken over).
 */
async function placeLockFile(path: string, owner: LockOwner): Promise<boolean> {
  const draft = `${path}.${process.pid}.${Date.now()}.draft`;
  const handle = await open(draft, "w", 0o644);
  try {
    try {
      await handle.writeFile(`${JSON.stringify(owner)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
      throw error;
    }
    return false;
  } finally {
    await unlink(draft).catch(() => undefined);
  }
}

/** The lock's holder, if a live process holds it. */
export async function lockHolder(path: string): Promise<LockOwner | undefined> {
  const holder = parseOwner((await readIfExists(path)) ?? "");
  if (!holder) {
    return undefined;
  }
  return holder.host !== hostname() || holderIsAlive(holder) ? holder : undefined;
}

/** The holder's process still runs: its pid exists and, where recorded, with the same start time. */
function holderIsAlive(holder: LockOwner): boolean {
  if (!processExists(holder.pid)) {
    return false;
  }
  if (holder.startTicks === undefined) {
    // A lock from before start times were recorded: the pid must at least be an orchestrator.
    const commandLine = processCommandLine(holder.pid);
    return commandLine === undefined || /orchestrator|cli\/main\.js/.test(commandLine);
  }
  const now = processStartTicks(holder.pid);
  return now === undefined || now === holder.startTicks;
}

/** The process's command line (`/proc/<pid>/cmdline`, NUL-separated); undefined without /proc. */
function processCommandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return undefined;
  }
}

/**
 * When a process started, in clock ticks since boot: field 22 of /proc/<pid>/stat (proc(5)).
 * The command name (field 2) may hold spaces and parentheses, so fields are counted after the
 * last ")". Undefined where there is no /proc (macOS) or the process is gone.
 */
export function processStartTicks(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After ")" come field 3 (state) onwards, so field 22 is at index 19.
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

async function releaseIfOurs(path: string, owner: LockOwner): Promise<void> {
  const holder = parseOwner((await readIfExists(path)) ?? "");
  if (holder && holder.pid === owner.pid && holder.since === owner.since) {
    await unlink(path).catch(() => undefined);
  }
}

/** Checked by hand rather than with zod: `status` reads the lock and must start fast. */
function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner> | null;
    if (
      value &&
      Number.isInteger(value.pid) &&
      typeof value.host === "string" &&
      typeof value.since === "string"
    ) {
      return {
        pid: value.pid as number,
        host: value.host,
        since: value.since,
        ...(typeof value.command === "string" ? { command: value.command } : {}),
        ...(Number.isInteger(value.startTicks) ? { startTicks: value.startTicks as number } : {}),
      };
    }
  } catch {
    // a lock file cut short by a crash
  }
  return undefined;
}

export function processExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) {
    return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
