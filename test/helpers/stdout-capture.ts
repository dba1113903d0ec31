import { vi } from "vitest";

export interface CapturedStdout {
  /** Everything written since the capture began or was last cleared. */
  text(): string;
  clear(): void;
}

/**
 * Catches what a CLI command prints with `process.stdout.write`, so a test can read it instead of
 * the terminal showing it. `vi.restoreAllMocks()` ends the capture.
 */
export function captureStdout(): CapturedStdout {
  let chunks: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  });
  return {
    text: () => chunks.join(""),
    clear: () => {
      chunks = [];
    },
  };
}
