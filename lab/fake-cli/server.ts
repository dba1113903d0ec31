import { createServer, type Socket } from "node:net";
import { answerFakeCall, type FakeAnswer } from "./answer.ts";
import { parseFakeRequest } from "./request.ts";

/**
 * `node server.js`: the lab's long-lived fake-CLI process. Each `talosctl`, `kubectl` or `flux` on
 * the lab's PATH is a bash script (install.ts) that sends its argv, working folder and the few
 * variables a fake reads here over loopback TCP and prints the answer, so a call costs no Node
 * start and no loading of the fakes, yaml and zod (a six-stage run once took a minute that way).
 *
 * Calls are answered one at a time, in arrival order (a queue), after moving to the caller's
 * working folder: an answer may await git (Flux's source), and the next call must not start, or
 * change folder, before it is done. It prints `listening on <port>` once it
 * listens, and ends when its parent has gone (a lab whose owner was killed leaves nothing behind).
 */
async function answer(fields: readonly string[]): Promise<FakeAnswer> {
  const call = parseFakeRequest(fields);
  if (call === undefined) {
    return { stdout: "", stderr: "fake-cli: the request is not what the fake's script sends\n", code: 2 };
  }
  try {
    process.chdir(call.cwd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    return { stdout: "", stderr: `fake-cli: cannot work in ${call.cwd} (${code})\n`, code: 1 };
  }
  try {
    return await answerFakeCall(call);
  } catch (error) {
    // A bug in a fake: shown as Node would show an uncaught error, exit 1.
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return { stdout: "", stderr: `${text}\n`, code: 1 };
  }
}

/** The answers under way: each starts when the one before it has been sent. */
let queue: Promise<void> = Promise.resolve();

function serve(socket: Socket): void {
  let pending = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    const fields = completeRequest(pending);
    if (fields === undefined) {
      return;
    }
    socket.off("data", onData);
    queue = queue
      .then(async () => {
        const { stdout, stderr, code } = await answer(fields);
        const out = Buffer.from(stdout);
        const err = Buffer.from(stderr);
        socket.end(Buffer.concat([Buffer.from(`${code} ${out.length} ${err.length}\n`), out, err]));
      })
      .catch((error: unknown) => {
        // Only a bug gets here (answer() turns every failure into an answer): keep serving, say why.
        process.stderr.write(
          `fake-cli: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
        socket.destroy();
      });
  };
  socket.on("data", onData);
  // The client went away (a stage timed it out): there is no one left to answer.
  socket.on("error", () => socket.destroy());
}

/** The NUL-terminated fields once the whole request is in (its counts say when), else undefined. */
function completeRequest(bytes: Buffer): string[] | undefined {
  const fields = bytes.toString("utf8").split("\0");
  fields.pop(); // what follows the last NUL: an unfinished field, or nothing
  const envCount = Number(fields[2]);
  const argcAt = 3 + envCount;
  if (!Number.isInteger(envCount) || fields.length <= argcAt) {
    return fields.length > 2 && !Number.isInteger(envCount) ? fields : undefined;
  }
  const argc = Number(fields[argcAt]);
  if (!Number.isInteger(argc)) {
    return fields;
  }
  return fields.length >= argcAt + 1 + argc ? fields : undefined;
}

const server = createServer(serve);
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`listening on ${typeof address === "object" && address ? address.port : 0}\n`);
});
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) {
    process.exit(0);
  }
}, 500).unref();
