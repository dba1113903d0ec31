import { appendFileSync } from "node:fs";
import { updateWorld, worldFileFromEnv } from "../world/index.ts";
import { CliExit, streamsOf } from "./args.ts";
import { flux } from "./flux.ts";
import { kubectl } from "./kubectl.ts";
import { talosctl } from "./talosctl.ts";
import { type FakeView, viewOf } from "./world-view.ts";

/** One call of a fake CLI, as its client process saw it. */
export interface FakeCall {
  readonly tool: string;
  readonly args: readonly string[];
  /** The caller's environment: LAB_WORLD names the world, LAB_CLI_LOG the call log. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** What the client process prints and exits with. */
export interface FakeAnswer {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

const TOOLS: Record<string, typeof talosctl> = { talosctl, kubectl, flux };

/**
 * Answers one fake `talosctl`, `kubectl` or `flux` call over the world in env LAB_WORLD.
 * Synchronous, so the server answers one call at a time and each sees the world the last one
 * left. Env LAB_CLI_LOG, when set, names a file that gets one line per call (the argv), so a
 * test can check exactly what a stage ran. Relative paths in the arguments are the caller's:
 * the server has moved to the caller's working folder first.
 */
export function answerFakeCall(call: FakeCall): FakeAnswer {
  const logFile = call.env["LAB_CLI_LOG"];
  if (logFile) {
    appendFileSync(logFile, `${JSON.stringify([call.tool, ...call.args])}\n`);
  }
  const command = TOOLS[call.tool];
  if (!command) {
    return { stdout: "", stderr: `fake-cli: unknown tool "${call.tool}"\n`, code: 2 };
  }
  const change = <T>(body: (view: FakeView) => T): T =>
    updateWorld(worldFileFromEnv(call.env), (world) => body(viewOf(world)));
  try {
    return { ...streamsOf(command([...call.args], call.env, change)), code: 0 };
  } catch (error) {
    if (!(error instanceof CliExit)) {
      throw error;
    }
    return { stdout: error.stdout, stderr: error.message, code: error.code };
  }
}
