import { readdir, readFile } from "node:fs/promises";

/**
 * What Linux's /proc says about processes and groups. Everything here answers "unknown"
 * (undefined) where /proc is missing, so callers on other systems fall back to `kill(…, 0)`.
 */

/** The fields of /proc/<pid>/stat after the command name (which may itself hold spaces or ")"). */
async function statFields(pid: number): Promise<string[] | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    if (isGone(error)) {
      return undefined;
    }
    throw error;
  }
  // proc_pid_stat(5) (https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html): field 2 is
  // the command in parentheses, field 3 the state; everything after the last ")" is space-separated.
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
}

function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ESRCH";
}

/**
 * The process's start time, field 22 of /proc/<pid>/stat ("starttime", clock ticks since boot,
 * proc_pid_stat(5)).
 * Together with the pid it names one process: a reused pid has a later start time.
 */
export async function processStartTime(pid: number): Promise<string | undefined> {
  // fields[0] is field 3 (state), so field 22 is fields[19]
  return (await statFields(pid))?.[19];
}

/** Whether /proc can answer questions about processes on this machine. */
export async function hasProcFs(): Promise<boolean> {
  return (await statFields(process.pid)) !== undefined;
}

/**
 * Whether any process of group `pgid` still runs. Zombies do not count: in a container without
 * a reaper a dead child stays a zombie, and waiting for it to "end" would wait for ever.
 */
export async function groupRunning(pgid: number): Promise<boolean> {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") {
      return false;
    }
    // EPERM: a group of someone else's; it exists
    return true;
  }
  if (!(await hasProcFs())) {
    return true;
  }
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    const fields = await statFields(Number(entry)).catch(() => undefined);
    // fields[0] state, fields[2] pgrp (field 5)
    if (fields && fields[2] === String(pgid) && fields[0] !== "Z" && fields[0] !== "X") {
      return true;
    }
  }
  return false;
}

/** Sends `signal` to every process of the group; false when the group is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Ends a process group: SIGTERM, then SIGKILL to whatever still runs after `graceMs`. Returns
 * the signal that ended it, or undefined when nothing was running.
 */
export async function endGroup(pgid: number, graceMs: number): Promise<"SIGTERM" | "SIGKILL" | undefined> {
  if (!(await groupRunning(pgid))) {
    return undefined;
  }
  signalGroup(pgid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (!(await groupRunning(pgid))) {
      return "SIGTERM";
    }
  }
  signalGroup(pgid, "SIGKILL");
  return "SIGKILL";
}
