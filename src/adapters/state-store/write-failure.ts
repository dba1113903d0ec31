import { RuntimeFailure } from "../../errors/index.ts";

/**
 * What a failed write of the tool's own state means for the user, by errno (see errno(3) and
 * rename(2), open(2), write(2)): a full disk, a file made immutable (`chattr +i` makes even
 * root's writes fail with EPERM, see chattr(1)), a read-only mount, a file owned by someone else.
 */
const CAUSES: Record<string, string> = {
  ENOSPC: "the disk is full; free some space",
  EDQUOT: "the disk quota is used up; free some space",
  EPERM: "the operation is not permitted (is the file or its folder immutable? see lsattr); make it writable",
  EACCES: "permission denied; make it writable for the user running the orchestrator",
  EROFS: "the file system is read-only; remount it read-write",
  EIO: "the disk reported an input/output error; check it",
};

/**
 * A write to `file` (repo-relative) that failed for a reason the user must fix, as one line with
 * exit 1 instead of an internal error with a stack. Anything else is returned as it was.
 */
export function stateWriteFailure(file: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const cause = code === undefined ? undefined : CAUSES[code];
  if (cause === undefined) {
    return error;
  }
  return new RuntimeFailure(`cannot write ${file}: ${cause}, then run again (${code})`);
}

/** Runs a write of `file`, turning an errno a user must act on into `stateWriteFailure`. */
export async function writingState<T>(file: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw stateWriteFailure(file, error);
  }
}
