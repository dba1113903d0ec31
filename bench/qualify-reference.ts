/**
 * `npm run bench:qualify`: `orchestrator qualify`'s library with a loopback model that answers
 * each fault's correct fix (test/helpers/fake-llm-server.ts): a configuration fault gets its
 * SEARCH/REPLACE, any other a give_up naming the fault. The ceiling a real model is measured
 * against: what the loop makes of a right answer. Args: fault ids (default all).
 */
import { FAULTS, fixAsEdit, formatReport, runQualification, selectFaults } from "../src/qualify/index.ts";
import { fakeReply, startFakeLlmServer } from "../test/helpers/fake-llm-server.ts";

const selected = selectFaults(process.argv.slice(2));
if ("unknown" in selected) {
  console.error(
    `unknown faults: ${selected.unknown.join(", ")}; known: ${FAULTS.map((f) => f.id).join(", ")}`,
  );
  process.exit(2);
}
const report = await runQualification({
  faults: selected,
  env: { ...process.env, EXECUTOR: "playbook" },
  executor: "playbook",
  model: "loopback reference (answers the correct fix)",
  envFor: async (fault) => {
    const answer = fault.fix
      ? {
          action: "patch",
          summary: `fix ${fault.id}`,
          hypothesis: fault.description,
          expected_effect: `stage ${fault.stage} goes green`,
          patch: fixAsEdit(fault.fix),
        }
      : { action: "give_up", reason: `${fault.description}: needs a human` };
    const server = await startFakeLlmServer(Array.from({ length: 20 }, () => fakeReply.answer(answer)));
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
