import { appendFile, mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { type JournalEvent, type JournalRecord, parseJournal } from "../../core/journal/index.ts";
import { ISSUES_FILE, STATE_DIR, STATE_FILES, type StateFileName } from "../../core/repo-layout/index.ts";
import { stripControls } from "../../core/text/index.ts";
import { readIfExists, writeFileAtomic } from "./atomic-file.ts";
import { inertStrings } from "./inert.ts";
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
import { writingState } from "./write-failure.ts";

export type { JournalEvent, JournalRecord } from "../../core/journal/index.ts";
export { STATE_DIR } from "../../core/repo-layout/index.ts";
export { readIfExists, writeFileAtomic } from "./atomic-file.ts";

/** The text is a version-1 state file with a `stages` object. */
function readableEntries(text: string): boolean {
  try {
    const file = record(JSON.parse(text));
    return file["version"] === 1 && record(file["stages"]) === file["stages"];
  } catch {
    return false;
  }
}

export { type HeldLock, processExists } from "./lock.ts";
export * from "./schema.ts";

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

  path(name: StateFileName): string {
    return join(this.repoRoot, STATE_FILES[name]);
  }

  async ensure(): Promise<void> {
    await writingState(STATE_DIR, () => mkdir(this.dir, { recursive: true }));
  }

  lock(command: string): Promise<HeldLock> {
    return writingState(STATE_FILES.lock, () => acquireLock(this.path("lock"), command));
  }

  lockHolder(): Promise<LockOwner | undefined> {
    return lockHolder(this.path("lock"));
  }

  async stageStatuses(): Promise<Record<string, StageStatusEntry>> {
    return this.readEntries("stageStatus", readStageStatusEntry);
  }

  async setStageStatus(stage: string, entry: StageStatusEntry): Promise<void> {
    const all = await this.rawEntries("stageStatus");
    all[stage] = entry;
    await this.writeJson("stageStatus", { version: 1, stages: all });
  }

  async allStageErrors(): Promise<Record<string, StageErrors>> {
    const recovered = await this.recoverFromJournal("errors");
    return recovered ?? this.readEntries("errors", readStageErrors);
  }

  async stageErrors(stage: string): Promise<StageErrors> {
    return (await this.allStageErrors())[stage] ?? newStageErrors();
  }

  async setStageErrors(stage: string, errors: StageErrors): Promise<void> {
    const all = (await this.recoverFromJournal("errors")) ?? (await this.rawEntries("errors"));
    all[stage] = errors;
    await this.writeJson("errors", { version: 1, stages: all });
  }

  /** Appends one event; a line cut short by a crash is skipped by readers. */
  async journal(event: JournalEvent): Promise<void> {
    await this.ensure();
    const line = JSON.stringify({ at: new Date().toISOString(), pid: process.pid, ...inertStrings(event) });
    await writingState(STATE_FILES.journal, () => appendFile(this.path("journal"), `${line}\n`, "utf8"));
  }

  /** Every event, in order; lines a crash cut short or this version cannot read are skipped with a warning. */
  async readJournal(): Promise<JournalRecord[]> {
    const { records, skipped } = parseJournal((await readIfExists(this.path("journal"))) ?? "");
    if (skipped > 0) {
      this.warnings.push(
        `${STATE_FILES.journal}: skipped ${skipped} line${skipped === 1 ? "" : "s"} it could not read`,
      );
    }
    return records;
  }

  /**
   * Appends an entry to `ai/issues.txt`, the human's list of give_ups (tracked by git: the
   * caller passes the entry through the redactor first; escape sequences are dropped here).
   */
  async appendIssue(entry: string): Promise<void> {
    const inert = stripControls(entry);
    const text = inert.endsWith("\n") ? inert : `${inert}\n`;
    await writingState(ISSUES_FILE, () => appendFile(join(this.repoRoot, ISSUES_FILE), text, "utf8"));
  }

  /**
   * A JSON state file's content, or undefined when it does not exist. One that is not valid
   * JSON is set aside (kept beside it as `.unreadable-<ms>`) with a warning, never overwritten.
   */
  async readJsonFile(name: "templates" | "fixes"): Promise<unknown> {
    const text = await readIfExists(this.path(name));
    if (text === undefined) {
      return undefined;
    }
    try {
      return JSON.parse(text);
    } catch {
      await this.setAside(name);
      return undefined;
    }
  }

  /**
   * Moves an unreadable state file out of the way, keeping it for a human, with a warning and a
   * journal event; a read-only store only warns.
   */
  async setAside(name: StateFileName): Promise<void> {
    if (this.readOnly) {
      this.warnings.push(
        `${STATE_FILES[name]} could not be read; the next run sets it aside and starts afresh`,
      );
      return;
    }
    const kept = `${this.path(name)}.unreadable-${Date.now()}`;
    await writingState(STATE_FILES[name], () => rename(this.path(name), kept));
    this.warnings.push(`${STATE_FILES[name]} could not be read; kept it as ${kept} and started afresh`);
    await this.journal({ type: "state_file_set_aside", file: STATE_FILES[name], keptAs: kept });
  }

  /**
   * Writes a state file atomically. Stage statuses and errors hold reasons and summaries from
   * outside, kept free of terminal escapes; templates and remembered fixes keep their text as
   * it was (it is matched and applied byte for byte).
   */
  async writeJson(name: "stageStatus" | "errors" | "templates" | "fixes", value: unknown) {
    await this.ensure();
    const kept = name === "stageStatus" || name === "errors" ? inertStrings(value) : value;
    const text = `${JSON.stringify(kept, null, 2)}\n`;
    await writingState(STATE_FILES[name], () => writeFileAtomic(this.path(name), text));
  }

  /**
   * When errors.json cannot be read, the totals it held (executor runs, API calls, tokens) are
   * counted again from the journal, so a damaged file never resets what a user has spent; the
   * rebuilt file is written at once. Undefined when the file reads fine or does not exist.
   */
  private async recoverFromJournal(name: "errors"): Promise<Record<string, StageErrors> | undefined> {
    const text = await readIfExists(this.path(name));
    if (text === undefined || this.readOnly || readableEntries(text)) {
      return undefined;
    }
    await this.setAside(name);
    const totals: Record<string, StageErrors> = {};
    const of = (stage: string): StageErrors => {
      totals[stage] ??= newStageErrors();
      return totals[stage];
    };
    for (const event of await this.readJournal()) {
      if (event.type === "executor_run") {
        of(event.stage).executorRuns += 1;
      } else if (event.type === "api_call") {
        const errors = of(event.stage);
        errors.apiCallsTotal += event.requests;
        errors.tokens = {
          input: errors.tokens.input + event.usage.inputTokens,
          output: errors.tokens.output + event.usage.outputTokens,
        };
      }
    }
    await this.writeJson(name, { version: 1, stages: totals });
    this.warnings.push(
      `${STATE_FILES[name]}: counted executor runs, API calls and tokens again from the journal`,
    );
    return totals;
  }

  private async rawEntries(name: "stageStatus" | "errors"): Promise<Record<string, unknown>> {
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
    await this.setAside(name);
    return {};
  }

  private async readEntries<T>(
    name: "stageStatus" | "errors",
    read: (value: unknown) => T | undefined,
  ): Promise<Record<string, T>> {
    const entries: Record<string, T> = {};
    for (const [stage, value] of Object.entries(await this.rawEntries(name))) {
      const entry = read(value);
      if (entry === undefined) {
        this.warnings.push(`${STATE_FILES[name]}: dropped the unreadable entry for stage "${stage}"`);
      } else {
        entries[stage] = entry;
      }
    }
    return entries;
  }
}
