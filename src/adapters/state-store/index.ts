import { appendFile, mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { readIfExists, writeFileAtomic } from "./atomic-file.ts";
import { acquireLock, type HeldLock, lockHolder } from "./lock.ts";
import {
  type LockOwner,
  newStageErrors,
  readStageErrors,
  readStageStatusEntry,
  record,
  type StageErrors,
  type StageStatusEntry,
} from "./schema.ts";

export { readIfExists, writeFileAtomic } from "./atomic-file.ts";
export { type HeldLock, processExists } from "./lock.ts";
export * from "./schema.ts";

export const STATE_DIR = "ai/state";

export interface JournalEvent {
  type: string;
  stage?: string;
  [field: string]: unknown;
}

/**
 * The tool's own files under `ai/state/`. Writes are atomic; reads are tolerant:
 * an entry that does not validate is dropped with a warning instead of failing the run.
 * A reader (`status`) opens it with `readOnly`: then a file that cannot be read is only
 * reported, and left for the next run to set aside.
 */
export class StateStore {
  readonly repoRoot: string;
  readonly dir: string;
  readonly warnings: string[] = [];
  private readonly readOnly: boolean;

  constructor(repoRoot: string, options: { readOnly?: boolean } = {}) {
    this.repoRoot = repoRoot;
    this.dir = join(repoRoot, STATE_DIR);
    this.readOnly = options.readOnly === true;
  }

  path(
    name: "stage_status.json" | "errors.json" | "journal.jsonl" | "templates.json" | "fixes.json" | "lock",
  ) {
    return join(this.dir, name);
  }

  async ensure(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  lock(command: string): Promise<HeldLock> {
    return acquireLock(this.path("lock"), command);
  }

  lockHolder(): Promise<LockOwner | undefined> {
    return lockHolder(this.path("lock"));
  }

  async stageStatuses(): Promise<Record<string, StageStatusEntry>> {
    return this.readEntries("stage_status.json", readStageStatusEntry);
  }

  async setStageStatus(stage: string, entry: StageStatusEntry): Promise<void> {
    const all = await this.rawEntries("stage_status.json");
    all[stage] = entry;
    await this.writeJson("stage_status.json", { version: 1, stages: all });
  }

  async allStageErrors(): Promise<Record<string, StageErrors>> {
    return this.readEntries("errors.json", readStageErrors);
  }

  async stageErrors(stage: string): Promise<StageErrors> {
    return (await this.allStageErrors())[stage] ?? newStageErrors();
  }

  async setStageErrors(stage: string, errors: StageErrors): Promise<void> {
    const all = await this.rawEntries("errors.json");
    all[stage] = errors;
    await this.writeJson("errors.json", { version: 1, stages: all });
  }

  /** Appends one event; a line cut short by a crash is skipped by readers. */
  async journal(event: JournalEvent): Promise<void> {
    await this.ensure();
    const line = JSON.stringify({ at: new Date().toISOString(), pid: process.pid, ...event });
    await appendFile(this.path("journal.jsonl"), `${line}\n`, "utf8");
  }

  async readJournal(): Promise<Array<JournalEvent & { at: string }>> {
    const text = (await readIfExists(this.path("journal.jsonl"))) ?? "";
    const events: Array<JournalEvent & { at: string }> = [];
    for (const line of text.split("\n")) {
      if (line.trim() === "") {
        continue;
      }
      try {
        events.push(JSON.parse(line));
      } catch {
        // a partial line from a killed run
      }
    }
    return events;
  }

  async readJsonFile(name: "templates.json" | "fixes.json"): Promise<unknown> {
    const text = await readIfExists(this.path(name));
    if (text === undefined) {
      return undefined;
    }
    try {
      return JSON.parse(text);
    } catch {
      this.warnings.push(`${STATE_DIR}/${name} is not valid JSON; starting it afresh`);
      return undefined;
    }
  }

  async writeJson(
    name: "stage_status.json" | "errors.json" | "templates.json" | "fixes.json",
    value: unknown,
  ) {
    await this.ensure();
    await writeFileAtomic(this.path(name), `${JSON.stringify(value, null, 2)}\n`);
  }

  private async rawEntries(name: "stage_status.json" | "errors.json"): Promise<Record<string, unknown>> {
    const text = await readIfExists(this.path(name));
    if (text === undefined) {
      return {};
    }
    try {
      const file = record(JSON.parse(text));
      if (file["version"] === 1 && record(file["stages"]) === file["stages"]) {
        return { ...record(file["stages"]) };
      }
    } catch {
      // not JSON: a file from elsewhere, or damaged outside the tool
    }
    if (this.readOnly) {
      this.warnings.push(
        `${STATE_DIR}/${name} could not be read; the next run sets it aside and starts afresh`,
      );
      return {};
    }
    const kept = `${this.path(name)}.unreadable-${Date.now()}`;
    await rename(this.path(name), kept).catch(() => undefined);
    this.warnings.push(`${STATE_DIR}/${name} could not be read; kept it as ${kept} and started afresh`);
    return {};
  }

  private async readEntries<T>(
    name: "stage_status.json" | "errors.json",
    read: (value: unknown) => T | undefined,
  ): Promise<Record<string, T>> {
    const entries: Record<string, T> = {};
    for (const [stage, value] of Object.entries(await this.rawEntries(name))) {
      const entry = read(value);
      if (entry === undefined) {
        this.warnings.push(`${STATE_DIR}/${name}: dropped the unreadable entry for stage "${stage}"`);
      } else {
        entries[stage] = entry;
      }
    }
    return entries;
  }
}
