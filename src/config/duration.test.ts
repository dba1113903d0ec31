import { describe, expect, it } from "vitest";
import { ConfigError, UserError } from "../errors/index.ts";
import { parseDuration } from "./duration.ts";
import { parseContextMap } from "./parse-context-map.ts";
import { resolveSettings } from "./settings.ts";

const contextMap = (timeout: string) => `version: 1
stages:
  talos:
    command: ./bootstrap.sh
    timeout: ${timeout}
`;

describe("durations", () => {
  it("reads the usual forms", () => {
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("soon")).toBeUndefined();
  });

  it("accepts the longest duration a timer holds and refuses one longer", () => {
    expect(parseDuration("596h31m23s")).toBe(2_147_483_000);
    expect(() => parseDuration("596h31m24s", "RETRY_BACKOFF")).toThrow(UserError);
    expect(() => parseDuration("596h31m24s", "RETRY_BACKOFF")).toThrow(
      "RETRY_BACKOFF: 596h31m24s is longer than the longest timer Node can hold (596h31m23s); use a shorter duration",
    );
  });

  it("refuses a stage timeout no timer can hold, naming the file, line and field", () => {
    let error: unknown;
    try {
      parseContextMap(contextMap("1000h"));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      "ai/context_map.yaml:5: stages.talos.timeout: 1000h is longer than the longest timer Node can hold (596h31m23s); use a shorter duration",
    );
    expect(() => parseContextMap(contextMap("2147484"))).toThrow(
      /2147484 seconds is longer than the longest timer/,
    );
    expect(parseContextMap(contextMap("596h")).stages["talos"]?.timeout).toBe(596 * 3_600_000);
  });

  it("refuses a backoff from the environment that no timer can hold, naming the variable", () => {
    expect(() => resolveSettings(undefined, { RETRY_BACKOFF: "1000h" })).toThrow(
      /^RETRY_BACKOFF: 1000h is longer than the longest timer Node can hold/,
    );
  });
});
