/**
 * `npm run bench:qualify`: `orchestrator qualify`'s library with a loopback model that answers
 * each fault's correct fix (test/helpers/fake-llm-server.ts): a configuration fault gets its
 * SEARCH/REPLACE, any other a give_up naming the fault. The ceiling a real model is measured
 * against: what the loop makes of a right answer. Args: fault ids (default all); env EXECUTOR
 * (default playbook; `none` for the model alone).
 */
import { LAB_FLUX_TREE } from "../lab/sandbox/flux-tree.ts";
import { CILIUM_MANIFEST } from "../lab/sandbox/index.ts";
import { EXAMPLE_CLUSTER_FILE } from "../src/homelab/cluster-file/index.ts";
import {
  FAULTS,
  type Fault,
  fixAsEdit,
  formatReport,
  runQualification,
  selectFaults,
} from "../src/qualify/index.ts";
import { fakeReply, startFakeLlmServer } from "../test/helpers/fake-llm-server.ts";

const selected = selectFaults(process.argv.slice(2));
if ("unknown" in selected) {
  console.error(
    `unknown faults: ${selected.unknown.join(", ")}; known: ${FAULTS.map((f) => f.id).join(", ")}`,
  );
  process.exit(2);
}
/** The file the fault changed, as the fault leaves it (the lines a model quotes). */
function faultyText(fault: Fault, file: string): string {
  const files = new Map<string, string | undefined>([
    ["config/clusters/prox-n100.yaml", EXAMPLE_CLUSTER_FILE],
    ["kubernetes/bootstrap/20-cilium.yaml", CILIUM_MANIFEST],
    ...Object.entries(LAB_FLUX_TREE),
  ]);
  fault.repo?.(files);
  return files.get(file) ?? "";
}

/**
 * The file as the case file quotes it (its "Relevant files" section: a `### \`path\`` heading,
 * then a fenced block), so an edit quotes it as this run's repo has it: a line may carry values
 * the lab fills in (its Proxmox and git URLs), which the fault's template text lacks.
 */
function quotedFile(bodyText: string, path: string): string | undefined {
  const body = JSON.parse(bodyText) as { messages?: { role: string; content: unknown }[] };
  const user = body.messages?.find((message) => message.role === "user")?.content;
  const caseFile = typeof user === "string" ? user : "";
  const heading = caseFile.indexOf(`### \`${path}\``);
  const open = heading < 0 ? -1 : caseFile.indexOf("```", heading);
  const start = open < 0 ? -1 : caseFile.indexOf("\n", open) + 1;
  const end = start <= 0 ? -1 : caseFile.indexOf("\n```", start);
  return end < 0 ? undefined : caseFile.slice(start, end);
}

/** A model that reads the case file quotes its failing line when it gives up. */
function failingLine(caseText: string): string {
  const found = /step \w+ failed: ((?:[^"\\]|\\[^n])*)/.exec(caseText);
  return found?.[1] ? JSON.parse(`"${found[1]}"`) : "the case file names no failing step";
}

// The executor below the model: the built-in playbooks unless EXECUTOR says otherwise
// (EXECUTOR=none measures the model alone: every configuration fault must then cost one call).
const executor = process.env["EXECUTOR"] ?? "playbook";
const report = await runQualification({
  faults: selected,
  env: { ...process.env, EXECUTOR: executor },
  executor,
  model: "loopback reference (answers the correct fix)",
  envFor: async (fault) => {
    const fix = fault.fix;
    const answer = (request: { bodyText: string }) =>
      fakeReply.answer(
        fix
          ? {
              action: "patch",
              summary: `fix ${fault.id}`,
              hypothesis: fault.description,
              expected_effect: `stage ${fault.stage} goes green`,
              patch: fixAsEdit(fix, quotedFile(request.bodyText, fix.file) ?? faultyText(fault, fix.file)),
            }
          : { action: "give_up", reason: `needs a human: ${failingLine(request.bodyText)}` },
      );
    const server = await startFakeLlmServer(Array.from({ length: 20 }, () => answer));
    return {
      env: {
        OPENAI_API_KEY: "sk-loopback-reference",
        OPENAI_BASE_URL: server.baseURL,
        OPENAI_MODEL: "reference",
      },
      close: () => server.close(),
    };
  },
  progress: (done, total, last) =>
    console.error(`${done}/${total} ${last.fault}: ${last.converged ? "converged" : "no"}`),
});
process.stdout.write(formatReport(report));
