/**
 * Stack traces a tool prints when it crashes: the frames say where the code was, not what went
 * wrong, and their paths and offsets differ between builds. The error-line selector prefers the
 * message around them (issue 17).
 */

const TRACE_LINES = [
  // Go: `goroutine 1 [running]:`, `panic: ...`, `created by main.main`, `[signal SIGSEGV: ...]`
  /^goroutine \d+ \[[^\]]*\]:$/,
  /^panic: /,
  /^created by \S+/,
  /^\[signal [A-Z]+/,
  // Go frames: `main.run(0xc000012345, 0x1)` / `main.main()`, then `\t/src/main.go:57 +0x1d`
  /^[\w./*()[\]-]+\((?:[\w, .]*)\)$/,
  /^\s*\S+\.go:\d+(?: \+0x[0-9a-f]+)?$/,
  // Node and Java: `    at Module._compile (node:internal/modules/cjs/loader:1105:14)`, `\tat a.b.C(C.java:12)`
  /^\s*at \S/,
  /^\s*\.\.\. \d+ more$/,
  // Python: the header and `  File "/usr/lib/python3/x.py", line 12, in main`
  /^Traceback \(most recent call last\):$/,
  /^\s*File "[^"]*", line \d+/,
  /^\s*[\^~]+$/,
];

const PYTHON_FRAME = /^\s*File "[^"]*", line \d+/;

/** `lines[k]` is part of a stack trace: a frame, a trace header or the source line a Python frame quotes. */
export function isTraceLine(lines: readonly string[], k: number): boolean {
  const line = lines[k] ?? "";
  if (TRACE_LINES.some((rule) => rule.test(line))) {
    return true;
  }
  // Python quotes the source line under its frame, indented, and may point at it with carets.
  const previous = lines[k - 1];
  return /^\s/.test(line) && previous !== undefined && PYTHON_FRAME.test(previous);
}
