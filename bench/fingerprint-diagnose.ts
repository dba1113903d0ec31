/**
 * Development aid for the miner: `node dist/bench/fingerprint-diagnose.js SYSTEM [variant 0|1]`
 * prints every true group the miner got wrong, with the predicted groups its lines landed in.
 */
import { join, resolve } from "node:path";
import { TemplateMiner } from "../src/core/fingerprint/index.ts";
import { readLabelled, VARIANTS } from "./fingerprint-loghub.ts";

const dir = resolve(process.env["LOGHUB_DIR"] ?? join(process.cwd(), "..", "shared", "bench", "loghub-2k"));
const system = process.argv[2] ?? "Proxifier";
const variant = VARIANTS[Number(process.argv[3] ?? "0")] ?? VARIANTS[0];
if (variant === undefined) {
  throw new Error("no variant");
}
const { contents, labels } = readLabelled(variant.file(dir, system), variant.label);
const miner = new TemplateMiner();
const handles = contents.map((line) => miner.learn(line));
const groups = handles.map((handle) => miner.resolve(handle).group);
const finalTemplate = new Map<string, string>();
for (const handle of handles) {
  const m = miner.resolve(handle);
  finalTemplate.set(m.group, m.template);
}

const byTruth = new Map<string, number[]>();
const byGroup = new Map<string, number[]>();
labels.forEach((label, k) => {
  byTruth.set(label, [...(byTruth.get(label) ?? []), k]);
  const g = groups[k] ?? "";
  byGroup.set(g, [...(byGroup.get(g) ?? []), k]);
});
let wrongLines = 0;
for (const [label, members] of byTruth) {
  const predicted = new Set(members.map((m) => groups[m] ?? ""));
  const exact =
    predicted.size === 1 && (byGroup.get([...predicted][0] ?? "")?.length ?? 0) === members.length;
  if (exact) {
    continue;
  }
  wrongLines += members.length;
  console.log(
    `\n=== truth ${label.slice(0, 100)} (${members.length} lines, ${predicted.size} predicted groups)`,
  );
  for (const g of predicted) {
    const inGroup = byGroup.get(g) ?? [];
    const foreign = inGroup.filter((m) => labels[m] !== label).length;
    const sample = members.find((m) => groups[m] === g) ?? 0;
    console.log(
      `  group ${g} size ${inGroup.length} (foreign ${foreign}): ${finalTemplate.get(g)?.slice(0, 140)}`,
    );
    console.log(`     e.g. ${contents[sample]?.slice(0, 140)}`);
  }
}
console.log(`\n${system}: ${wrongLines} of ${labels.length} lines in wrong groups`);
