/**
 * Stack traces a tool prints when it crashes: the frames say where the code was, not what went
 * wrong, and their paths and offsets differ between builds. The error-line selector prefers the
 * message around them, and a `panic:` line only when there is no other message.
 */

const FRAMES = [
  // Go: `goroutine 1 [running]:`, `created by main.main`, `[signal SIGSEGV: ...]`, then frames:
  // `main.run(0xc000012345, {0x1, 0x2})` / `main.main()` and `\t/src/main.go:57 +0x1d`
  /^goroutine \d+ \[[^\]]*\]:$/,
  /^created by \S+/,
  /^\[signal [A-Z]+/,
  /^[\w./*()[\]-]+\([\w ,.{}*:]*\)$/,
  /^\s*\S+\.go:\d+(?: \+0x[0-9a-f]+)?$/,
  // Node and Java: `    at Module._compile (node:internal/modules/cjs/loader:1105:14)`, `\tat a.b.C(C.java:12)`,
  // and Node's `file:///x/render.mjs:14` above the quoted source line.
  /^\s*at \S/,
  /^\s*\.\.\. \d+ more$/,
  /^(?:file:\/\/)?\/\S+:\d+$/,
  // Python: the header and `  File "/usr/lib/python3/x.py", line 12, in main`; carets under a line.
  /^Traceback \(most recent call last\):$/,
  /^\s*File "[^"]*", line \d+/,
  /^\s*[\^~]+$/,
];

const PANIC = /^panic: /;
const PYTHON_FRAME = /^\s*File "[^"]*", line \d+/;
const CARETS = /^\s*[\^~]+$/;

/** `lines[k]` is a frame of a stack trace, or the source line a frame quotes. */
export function isTraceFrame(lines: readonly string[], k: number): boolean {
  const line = lines[k] ?? "";
  if (FRAMES.some((rule) => rule.test(line))) {
    return true;
  }
  // Python quotes the source line under its frame, indented; Node and Python put carets under it.
  const previous = lines[k - 1];
  const next = lines[k + 1];
  return (
    (/^\s/.test(line) && previous !== undefined && PYTHON_FRAME.test(previous)) ||
    (next !== undefined && CARETS.test(next))
  );
}

/** `panic: ...`: Go's own words for a crash, worth reading only when the tool said nothing else. */
export function isPanicLine(line: string): boolean {
  return PANIC.test(line);
}
