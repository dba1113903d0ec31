import { link, open, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { LockHeldError } from "../../errors/index.ts";
import { readIfExists } from "./atomic-file.ts";
import type { LockOwner } from "./schema.ts";

export interface HeldLock {
  release(): Promise<void>;
  /** Set when the lock was taken over from a process that no longer exists. */
  takenOverFrom: LockOwner | undefined;
}

/**
 * One run per repo. The lock file holds pid, host and start time; a lock whose
 * process is gone (same host, pid not running) is taken over, and the caller is told.
 */
export async function acquireLock(path: string, command: string): Promise<HeldLock> {
  const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command };
  let takenOverFrom: LockOwner | undefined;
  for (let tries = 0; tries < 3; tries++) {
    if (await placeLockFile(path, owner)) {
      return { release: () => releaseIfOurs(path, owner), takenOverFrom };
    }
    const text = await readIfExists(path);
    if (text === undefined) {
      continue;
    }
    const holder = parseOwner(text);
    if (holder && (holder.host !== owner.host || processExists(holder.pid))) {
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

/**
 * Creates the lock file whole: the owner is written to a private file first and then linked
 * to the lock's name, which fails if the name exists. A competing run therefore never sees a
 * lock file half-written (and empty files are left only by crashes, which may be taken over).
 */
async function placeLockFile(path: string, owner: LockOwner): Promise<boolean> {
  const draft = `${path}.${process.pid}.${Date.now()}.draft`;
  const handle = await open(draft, "w", 0o644);
  try {
    await handle.writeFile(`${JSON.stringify(owner)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
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
  return holder.host !== hostname() || processExists(holder.pid) ? holder : undefined;
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
      return { pid: value.pid as number, host: value.host, since: value.since };
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
