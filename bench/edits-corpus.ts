/**
 * The corpus of model edits (test/fixtures/edits/): each case a YAML file naming where its shape
 * comes from, the files it edits (fixtures under files/), the edit text, and the expected files
 * or the kind of refusal. Shared by the corpus test and `npm run bench:edits`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import type { RefusalKind } from "../src/core/edits/index.ts";

const CaseFile = z.strictObject({
  source: z.string().min(1),
  kind: z.enum(["unambiguous", "ambiguous", "wrong", "elided", "hostile"]),
  files: z.record(z.string(), z.string()).default({}),
  edit: z.string().optional(),
  /** Edits a YAML file cannot hold (a NUL byte, a 2 MB line) are built from a name. */
  generate: z.enum(["nul-byte", "two-megabyte-line"]).optional(),
  expect: z.union([
    z.strictObject({ applied: z.record(z.string(), z.string().nullable()) }),
    z.strictObject({
      refused: z.enum([
        "format",
        "hostile",
        "ambiguous",
        "not-found",
        "elision",
        "conflict",
        "missing",
        "exists",
        "too-large",
        "no-op",
      ]),
    }),
  ]),
});

export type CorpusCase = {
  name: string;
  source: string;
  kind: z.output<typeof CaseFile>["kind"];
  /** Repo path → current content. */
  files: Record<string, string>;
  edit: string;
  expect: { applied: Record<string, string | null> } | { refused: RefusalKind };
};

export function corpusDir(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, "test", "fixtures", "edits", "cases"))) {
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error("cannot find test/fixtures/edits/cases above the bench folder");
    }
    dir = parent;
  }
  return join(dir, "test", "fixtures", "edits");
}

function generated(name: "nul-byte" | "two-megabyte-line"): string {
  if (name === "nul-byte") {
    return "--- a/config/clusters/prox-n100.yaml\n+++ b/config/clusters/prox-n100.yaml\n@@ @@\n   vip: 10.0.20.10\n+  note: \0\n";
  }
  return `--- a/config/clusters/prox-n100.yaml\n+++ b/config/clusters/prox-n100.yaml\n@@ @@\n   vip: 10.0.20.10\n+  note: ${"A".repeat(2 * 1024 * 1024)}\n`;
}

export function loadCorpus(dir = corpusDir()): CorpusCase[] {
  const fixture = (name: string) => readFileSync(join(dir, "files", name), "utf8");
  return readdirSync(join(dir, "cases"))
    .filter((name) => name.endsWith(".yaml"))
    .sort()
    .map((name) => {
      const raw = CaseFile.safeParse(parse(readFileSync(join(dir, "cases", name), "utf8")));
      if (!raw.success) {
        throw new Error(
          `test/fixtures/edits/cases/${name}: ${raw.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`,
        );
      }
      const spec = raw.data;
      const edit = spec.generate !== undefined ? generated(spec.generate) : spec.edit;
      if (edit === undefined) {
        throw new Error(`test/fixtures/edits/cases/${name}: needs edit or generate`);
      }
      const expect =
        "applied" in spec.expect
          ? {
              applied: Object.fromEntries(
                Object.entries(spec.expect.applied).map(([path, file]) => [
                  path,
                  file === null ? null : fixture(file),
                ]),
              ),
            }
          : { refused: spec.expect.refused };
      return {
        name: name.replace(/\.yaml$/, ""),
        source: spec.source,
        kind: spec.kind,
        files: Object.fromEntries(Object.entries(spec.files).map(([path, file]) => [path, fixture(file)])),
        edit,
        expect,
      };
    });
}
