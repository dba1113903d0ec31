/**
 * Resolves a model's, executor's or remembered fix's edit against the AI branch tip into the
 * canonical git diff the patch guard checks and the side branch commits. The reading happens
 * here; the decision is the pure applier's (src/core/edits).
 */
import { applyEdit, type EditResult, pathsToRead } from "../../core/edits/index.ts";

export type { EditResult } from "../../core/edits/index.ts";

/** A file's text at the branch tip, or undefined when it does not exist there (`SideBranch.readFileAtTip`). */
export type ReadFileAtTip = (path: string) => Promise<string | undefined>;

export async function resolveEdit(editText: string, readFileAtTip: ReadFileAtTip): Promise<EditResult> {
  const paths = pathsToRead(editText);
  const contents = new Map(
    await Promise.all(paths.map(async (path) => [path, await readFileAtTip(path)] as const)),
  );
  return applyEdit(editText, (path) => contents.get(path));
}
