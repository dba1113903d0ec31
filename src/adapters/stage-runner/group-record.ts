import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { processGroupRecordFile } from "../../core/repo-layout/index.ts";
import { endGroup, groupRunning, hasProcFs, processStartTime } from "../process/index.ts";
import { readIfExists } from "../state-store/atomic-file.ts";

/**
 * `ai/state/process-groups/<stage>.json`: the process group of a stage command while it runs.
 * Stage commands run in groups of their own, so when the tool itself is killed (kill -9, a
 * crashed terminal) the group lives on; the next run of the stage reads the record and ends it
 * instead of starting a second copy beside it.
 */
export interface GroupRecord {
  version: 1;
  stage: string;
  pgid: number;
  /** The group leader; pgid === pid, as every group the runner starts is led by its process. */
  pid: number;
  /** Field 22 of /proc/<pid>/stat: with the pid it names one process, so a reused pid is told apart. */
  startTime?: string;
  host: string;
  startedAt: string;
  command: string;
}

/**
 * The record, or undefined when it is not one. Checked by hand rather than with zod: this runs
 * before every stage, and the run path does not load zod otherwise.
 */
function parseGroupRecord(text: string): GroupRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) {
    return undefined;
  }
  const record = value as Record<string, unknown>;
  const positive = (field: unknown) => Number.isSafeInteger(field) && (field as number) > 0;
  const isText = (field: unknown) => typeof field === "string";
  const valid =
    record["version"] === 1 &&
    isText(record["stage"]) &&
    positive(record["pgid"]) &&
    positive(record["pid"]) &&
    (record["startTime"] === undefined || isText(record["startTime"])) &&
    isText(record["host"]) &&
    isText(record["startedAt"]) &&
    isText(record["command"]);
  return valid ? (record as unknown as GroupRecord) : undefined;
}

/** A group an earlier run left behind, and how it was ended. */
export interface OrphanedGroup {
  pgid: number;
  command: string;
  startedAt: string;
  endedWith: "SIGTERM" | "SIGKILL";
}

/** Records one process group for the duration of one process: `onSpawn` writes, `done` removes. */
export function groupRecorder(
  repoRoot: string,
  stage: string,
  command: string,
): { onSpawn: (child: { pid: number }) => void; done: () => Promise<void> } {
  const path = join(repoRoot, processGroupRecordFile(stage));
  let written: Promise<void> | undefined;
  return {
    onSpawn: ({ pid }) => {
      written = (async () => {
        const startTime = await processStartTime(pid);
        const record: GroupRecord = {
          version: 1,
          stage,
          pgid: pid,
          pid,
          ...(startTime === undefined ? {} : { startTime }),
          host: hostname(),
          startedAt: new Date().toISOString(),
          command,
        };
        await mkdir(dirname(path), { recursive: true });
        // Temporary file and rename: a reader never sees half a record. No fsync: the record
        // only matters while the machine stays up (a reboot ends the group anyway).
        const temporary = `${path}.${process.pid}.tmp`;
        await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`);
        await rename(temporary, path);
      })();
      // A failure is reported by done(); until then it must not be an unhandled rejection.
      written.catch(() => undefined);
    },
    done: async () => {
      if (written) {
        await written;
        await rm(path, { force: true });
      }
    },
  };
}

/**
 * Ends the group an earlier run of `stage` left running, when its record proves it is that
 * group: same host, and the leader's start time unchanged (a reused pid belongs to someone
 * else). A record that proves nothing is removed and its group left alone.
 */
export async function endOrphanedGroup(
  repoRoot: string,
  stage: string,
  graceMs: number,
): Promise<{ ended?: OrphanedGroup; note?: string }> {
  const path = join(repoRoot, processGroupRecordFile(stage));
  const text = await readIfExists(path);
  if (text === undefined) {
    return {};
  }
  const record = parseGroupRecord(text);
  await rm(path, { force: true });
  if (record === undefined) {
    return { note: `an unreadable process-group record (${processGroupRecordFile(stage)}) was removed` };
  }
  if (record.host !== hostname()) {
    return { note: `a process-group record from host ${record.host} was ignored and removed` };
  }
  if (!(await isSameGroup(record))) {
    return {};
  }
  const endedWith = await endGroup(record.pgid, graceMs);
  if (endedWith === undefined) {
    return {};
  }
  return { ended: { pgid: record.pgid, command: record.command, startedAt: record.startedAt, endedWith } };
}

async function isSameGroup(record: GroupRecord): Promise<boolean> {
  if (!(await hasProcFs()) || record.startTime === undefined) {
    return false; // nothing tells a reused pid apart: leave it alone
  }
  const startTime = await processStartTime(record.pid);
  if (startTime !== undefined) {
    return startTime === record.startTime;
  }
  // The leader is gone but members of its group may run on. Linux frees a pid number only when
  // no task uses it as pid, group or session id any more (torvalds/linux kernel/pid.c,
  // __change_pid), so a group that still has members is the recorded one.
  return groupRunning(record.pgid);
}
