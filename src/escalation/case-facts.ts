import type { CaseLiveFacts } from "../core/case-file/index.ts";

/** What a fact gatherer is told about the failing stage. */
export interface CaseFactsRequest {
  stage: string;
  /** The stage's command as the context map writes it (a pack reads its `--cluster` from here). */
  command: string | undefined;
  /** The homelab's folder in the AI worktree: the tracked files as the AI branch has them. */
  homelabDir: string;
  /** Aborted at the deadline: a gatherer may stop early (what it had by then is not used). */
  signal: AbortSignal;
}

/**
 * Read-only live facts for a case file. A stage pack registers one in the composition root
 * (src/cli/wire-fixers.ts); the engine knows only this port. Facts that cannot be gathered are
 * lines in `unavailable`, never an error; a gatherer that throws anyway costs its facts, not the call.
 */
export interface CaseFactsPort {
  gather(request: CaseFactsRequest): Promise<CaseLiveFacts>;
}

/** For a repo whose stages no pack knows. */
export const NO_CASE_FACTS: CaseFactsPort = {
  gather: async () => ({ sections: [], unavailable: [] }),
};

/** The longest the facts may hold up a case file: a node that does not answer must not stall a call. */
export const CASE_FACTS_DEADLINE_MS = 45_000;

/**
 * The gatherer's facts, or one line saying why there are none: a gatherer that throws or
 * overruns the deadline never stops the case file from being written.
 */
export async function gatherCaseFacts(
  port: CaseFactsPort,
  request: Omit<CaseFactsRequest, "signal">,
  signal: AbortSignal,
  deadlineMs = CASE_FACTS_DEADLINE_MS,
): Promise<CaseLiveFacts> {
  const stop = new AbortController();
  const abort = () => stop.abort();
  signal.addEventListener("abort", abort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<CaseLiveFacts>((resolve) => {
    timer = setTimeout(() => {
      stop.abort();
      resolve({
        sections: [],
        unavailable: [`live facts: not all gathered within ${deadlineMs / 1000} s`],
      });
    }, deadlineMs);
  });
  try {
    return await Promise.race([port.gather({ ...request, signal: stop.signal }), overrun]);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { sections: [], unavailable: [`live facts could not be gathered: ${firstLine(reason)}`] };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", abort);
  }
}

function firstLine(text: string): string {
  return text.split("\n")[0]?.trim() ?? "";
}
