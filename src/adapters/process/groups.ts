/**
 * The process groups this process has started and not yet seen end. Children run in groups of
 * their own (so a timeout can end a whole tree), which also means a terminal's Ctrl-C never
 * reaches them: when the orchestrator must quit at once, it ends them itself.
 */
const liveGroups = new Set<number>();

export function trackProcessGroup(pid: number | undefined): void {
  if (pid !== undefined) {
    liveGroups.add(pid);
  }
}

export function forgetProcessGroup(pid: number | undefined): void {
  if (pid !== undefined) {
    liveGroups.delete(pid);
  }
}

/** SIGKILL to every group still running; for quitting at once (a second Ctrl-C). */
export function killLiveProcessGroups(): void {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  liveGroups.clear();
}
