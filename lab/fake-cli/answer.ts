import { appendFileSync } from "node:fs";
import { updateWorld, worldFileFromEnv } from "../world/index.ts";
import { CliExit, streamsOf } from "./args.ts";
import { flux } from "./flux.ts";
import { kubectl } from "./kubectl.ts";
import { refreshSource } from "./source-refresh.ts";
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

const TOOLS: Record<string, typeof talosctl> = { talosctl, kubectl };

/**
 * Answers one fake `talosctl`, `kubectl` or `flux` call over the world in env LAB_WORLD. The
 * server awaits each answer before it starts the next, so each sees the world the last one left;
 * Flux's git work (flux-source.ts) is the only thing awaited. Env LAB_CLI_LOG, when set, names a file that gets one line per call (the argv), so a
 * test can check exactly what a stage ran. Relative paths in the arguments are the caller's:
 * the server has moved to the caller's working folder first.
 */
export async function answerFakeCall(call: FakeCall): Promise<FakeAnswer> {
  const logFile = call.env["LAB_CLI_LOG"];
  if (logFile) {
    appendFileSync(logFile, `${JSON.stringify([call.tool, ...call.args])}\n`);
  }
  const command = TOOLS[call.tool];
  if (!command && call.tool !== "flux") {
    return { stdout: "", stderr: `fake-cli: unknown tool "${call.tool}"\n`, code: 2 };
  }
  const worldFile = worldFileFromEnv(call.env);
  const change = <T>(body: (view: FakeView) => T): T =>
    updateWorld(worldFile, (world) => body(viewOf(world)));
  try {
    if (!command) {
      return { ...streamsOf(await flux([...call.args], call.env, change, worldFile)), code: 0 };
    }
    if (call.tool === "kubectl") {
      await refreshSource(worldFile, false); // source-controller polls on its own
    }
    return { ...streamsOf(command([...call.args], call.env, change)), code: 0 };
  } catch (error) {
    if (!(error instanceof CliExit)) {
      throw error;
    }
    return { stdout: error.stdout, stderr: error.message, code: error.code };
  }
}
