import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInProcess, testEnv } from "../../../test/helpers/cli.ts";
import { contextMap, makeHomelabRepo } from "../../../test/helpers/homelab-repo.ts";

/**
 * A homelab repo with one stage and a CLI agent stand-in as its executor (EXECUTOR=command), for
 * the propose-then-approve tests. The agent counts its runs in $AGENT_RUNS.
 */
export function homelabWithAgent(options: {
  stage: string;
  /** The stage's script (`./<stage>.sh`); its `files:` are config/**. */
  script: string;
  agent: string;
  /** Files of the repo besides the context map and the script. */
  files: Record<string, string>;
  /** YAML lines added to `settings:` (indented by two), e.g. an approval block. */
  settings: string;
  /** Folders to delete after the test. */
  cleanup: string[];
}) {
  const tools = mkdtempSync(join(tmpdir(), "agent-"));
  writeFileSync(join(tools, "agent.sh"), options.agent, { mode: 0o755 });
  const repo = makeHomelabRepo({
    "ai/context_map.yaml": contextMap(
      `  ${options.stage}:\n    command: ./${options.stage}.sh\n    files: [config/**]`,
      `  executor_retry_threshold: 3\n  api_call_budget: 0\n${options.settings}`,
    ),
    ...options.files,
    [`${options.stage}.sh`]: options.script,
  });
  options.cleanup.push(tools, repo);
  const env = testEnv({
    EXECUTOR: "command",
    EXECUTOR_COMMAND: `${join(tools, "agent.sh")} {brief_file}`,
    AGENT_RUNS: join(tools, "runs"),
  });
  const runs = () =>
    existsSync(join(tools, "runs")) ? Number(readFileSync(join(tools, "runs"), "utf8")) : 0;
  return { repo, env, runs, cli: (args: string[]) => runInProcess(args, repo, { env }) };
}

export function removeAll(folders: string[]): void {
  for (const folder of folders.splice(0)) {
    rmSync(folder, { recursive: true, force: true });
  }
}
