import { killLiveProcessGroups } from "../adapters/process/index.ts";
import type { CliIO } from "./io.ts";

/** Ctrl-C stops the stage's whole process tree and records it; a second Ctrl-C exits at once. */
export function interruptController(io: CliIO): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let presses = 0;
  const onSignal = (name: NodeJS.Signals) => {
    presses++;
    if (presses > 1) {
      // Our children run in process groups of their own, out of the terminal's reach: end them.
      killLiveProcessGroups();
      process.exit(130);
    }
    io.stderr.write(`\n${name}: stopping the running stage and its processes (again to quit at once)\n`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
