import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECRET_CORPUS } from "../../core/redaction/corpus.ts";
import { CHANNELS, leakedThrough } from "./channels.ts";

// Every channel by which text leaves the machine, fed the kind of text it carries with a seeded
// secret in it; the redactor runs as the caller runs it, on the rendered text. Nothing of any
// seeded secret may come out.

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "channels-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("no seeded secret leaves by any channel", () => {
  it.each(Object.keys(CHANNELS))("%s", async (channel) => {
    const leaked = await leakedThrough(channel, SECRET_CORPUS, scratch);
    expect(leaked.map((sample) => sample.name)).toEqual([]);
  });
});
