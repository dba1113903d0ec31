import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { World } from "./schema.ts";

/** The world file from env `LAB_WORLD`; an error names the variable when it is unset. */
export function worldFileFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const file = env["LAB_WORLD"];
  if (!file) {
    throw new Error("LAB_WORLD is not set: it names the lab's world state file (JSON)");
  }
  return file;
}

export function readWorld(file: string): World {
  return World.parse(JSON.parse(readFileSync(file, "utf8")));
}

/** Replaces the world file (temporary file, fsync, rename), under the lock. */
export function writeWorld(file: string, world: World): void {
  withWorldLock(file, () => writeAtomically(file, world));
}

/**
 * Read-modify-write under the lock: `change` mutates the world it is given and may return a
 * value. Synchronous on purpose, so a fake CLI can use it in a few lines without an event loop.
 * When `change` throws, nothing is written.
 */
export function updateWorld<T>(file: string, change: (world: World) => T): T {
  return withWorldLock(file, () => {
    const world = readWorld(file);
    const result = change(world);
    writeAtomically(file, world);
    return result;
  });
}

function writeAtomically(file: string, world: World): void {
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = openSync(temporary, "w");
  try {
    writeFileSync(fd, `${JSON.stringify(World.parse(world), null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
}

const LOCK_WAIT_MS = 10_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** A lock file created exclusively, holding pid and host; a holder that has died is taken over. */
function withWorldLock<T>(file: string, body: () => T): T {
  const lock = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = openSync(lock, "wx");
      writeFileSync(fd, `${process.pid} ${hostname()}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw error;
      }
      if (holderIsGone(lock)) {
        unlinkSafely(lock);
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`the lab world ${file} stayed locked for ${LOCK_WAIT_MS} ms (${lock})`);
      }
      Atomics.wait(pause, 0, 0, 5);
    }
  }
  try {
    return body();
  } finally {
    unlinkSafely(lock);
  }
}

function holderIsGone(lock: string): boolean {
  let text: string;
  try {
    text = readFileSync(lock, "utf8");
  } catch {
    return false;
  }
  const [pidText, host] = text.trim().split(" ");
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) {
    return false; // being written right now
  }
  if (host !== hostname()) {
    return false;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function unlinkSafely(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw error;
    }
  }
}
