import { appendFileSync } from "node:fs";
import { updateWorld, worldFileFromEnv } from "../world/index.ts";
import { CliExit, streamsOf } from "./args.ts";
import { flux } from "./flux.ts";
import { kubectl } from "./kubectl.ts";
import { talosctl } from "./talosctl.ts";
import { type FakeView, viewOf } from "./world-view.ts";

/**
 * `node main.js <talosctl|kubectl|flux> <args…>`: one fake CLI call over the world in env
 * LAB_WORLD. Env LAB_CLI_LOG, when set, names a file that gets one line per call (the argv), so a
 * test can check exactly what a stage ran.
 */
const [tool = "", ...args] = process.argv.slice(2);
const env = process.env;

function change<T>(body: (view: FakeView) => T): T {
  return updateWorld(worldFileFromEnv(env), (world) => body(viewOf(world)));
}

const TOOLS: Record<string, typeof talosctl> = { talosctl, kubectl, flux };

const logFile = env["LAB_CLI_LOG"];
if (logFile) {
  appendFileSync(logFile, `${JSON.stringify([tool, ...args])}\n`);
}

const command = TOOLS[tool];
if (!command) {
  process.stderr.write(`fake-cli: unknown tool "${tool}"\n`);
  process.exit(2);
}
try {
  const { stdout, stderr } = streamsOf(command(args, env, change));
  process.stdout.write(stdout);
  process.stderr.write(stderr);
} catch (error) {
  if (!(error instanceof CliExit)) {
    throw error;
  }
  process.stdout.write(error.stdout);
  process.stderr.write(error.message);
  process.exitCode = error.code;
}
