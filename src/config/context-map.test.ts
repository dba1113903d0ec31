import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors/index.ts";
import { parseContextMap } from "./parse-context-map.ts";
import { resolveSettings } from "./settings.ts";

const VALID = `version: 1
protected: [infrastructure/proxmox/wipe_proxmox.sh]
secrets: ["**/talosconfig"]
stages:
  vms:
    command: ./vms.sh
  talos:
    command: ./infrastructure/talos/bootstrap.sh config/clusters/prox-n100.yaml
    timeout: 20m
    needs: [vms]
    env: { TALOS_VERSION: v1.12.4, RETRIES: 3 }
    files: [config/clusters/prox-n100.yaml, infrastructure/talos/**]
    memo_sections: ["Talos"]
    success_criteria:
      - name: machines known
        command: talosctl get members
        expect_exit: 0
        expect_output: "controlplane"
    diagnostics: ["talosctl get", "talosctl dmesg", "kubectl get nodes"]
`;

function errorOf(text: string): ConfigError {
  try {
    parseContextMap(text);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("parseContextMap", () => {
  it("reads every stage field of the design's shape", () => {
    const map = parseContextMap(VALID);
    const talos = map.stages["talos"]!;
    expect(talos.timeout).toBe(20 * 60_000);
    expect(talos.env).toEqual({ TALOS_VERSION: "v1.12.4", RETRIES: "3" });
    expect(talos.success_criteria[0]).toMatchObject({ expect_exit: 0, expect_output: "controlplane" });
    expect(Object.keys(map.stages)).toEqual(["vms", "talos"]);
  });

  it("names the file, line and field of a bad duration", () => {
    const error = errorOf(VALID.replace("timeout: 20m", "timeout: soon"));
    expect(error.message).toBe("ai/context_map.yaml:9: stages.talos.timeout: expected a duration like 10m");
  });

  it("names the line of malformed YAML", () => {
    const error = errorOf("version: 1\nstages:\n  talos:\n    command: [unclosed\n");
    expect(error.message).toMatch(/^ai\/context_map\.yaml:\d+: invalid YAML: /);
  });

  it("refuses a field it does not know, with its name", () => {
    const error = errorOf(VALID.replace("    timeout: 20m", "    timeout: 20m\n    retries: 3"));
    expect(error.message).toBe('ai/context_map.yaml:8: stages.talos: unknown field "retries"');
  });

  it("refuses a wrong type and says where", () => {
    const error = errorOf(VALID.replace("needs: [vms]", "needs: vms"));
    expect(error.field).toBe("stages.talos.needs");
    expect(error.line).toBe(10);
  });

  it("refuses a need on a stage that does not exist", () => {
    const error = errorOf(VALID.replace("needs: [vms]", "needs: [network]"));
    expect(error.message).toBe('ai/context_map.yaml:10: stages.talos.needs.0: unknown stage "network"');
  });

  it("refuses a need on a later stage, which would also allow cycles", () => {
    const text = VALID.replace(
      "  vms:\n    command: ./vms.sh",
      "  vms:\n    command: ./vms.sh\n    needs: [talos]",
    );
    expect(errorOf(text).message).toContain('"talos" must come before "vms"');
  });

  it("refuses an invalid regular expression in a success check", () => {
    expect(errorOf(VALID.replace('"controlplane"', '"control(plane"')).message).toContain(
      "expected a valid regular expression",
    );
  });

  it("refuses a duplicate key instead of silently taking the last", () => {
    expect(errorOf(VALID.replace("    timeout: 20m", "    timeout: 20m\n    timeout: 5m")).message).toMatch(
      /:\d+: invalid YAML: Map keys must be unique/,
    );
  });

  it("refuses a file with no stages", () => {
    expect(errorOf("version: 1\nstages: {}\n").message).toContain("name at least one stage");
  });
});

describe("resolveSettings", () => {
  const map = parseContextMap(
    `${VALID}settings:\n  executor_retry_threshold: 5\n  ai_branch: ai/from-file\n`,
  );

  it("takes flags over environment over file over defaults", () => {
    expect(resolveSettings(map, {}).executorRetryThreshold).toBe(5);
    expect(resolveSettings(map, { EXECUTOR_RETRY_THRESHOLD: "4" }).executorRetryThreshold).toBe(4);
    expect(
      resolveSettings(map, { EXECUTOR_RETRY_THRESHOLD: "4" }, { executorRetryThreshold: "2" })
        .executorRetryThreshold,
    ).toBe(2);
    expect(resolveSettings(undefined, {}).executorRetryThreshold).toBe(3);
    expect(resolveSettings(map, {}).aiBranch).toBe("ai/from-file");
    expect(resolveSettings(map, { AI_BRANCH: "ai/env" }).aiBranch).toBe("ai/env");
  });

  it.each([
    [
      "EXECUTOR_RETRY_THRESHOLD",
      "three",
      'EXECUTOR_RETRY_THRESHOLD="three": expected a whole number of at least 1',
    ],
    ["API_CALL_BUDGET", "-1", 'API_CALL_BUDGET="-1": expected a whole number of at least 0'],
    ["RETRY_BACKOFF", "fast", 'RETRY_BACKOFF="fast": expected a duration like 10s, 2m or 0'],
    ["AI_BRANCH", "ai/../main", 'AI_BRANCH="ai/../main": not a valid git branch name'],
    [
      "EXECUTOR",
      "gpt",
      'EXECUTOR="gpt": expected one of auto, codex, openai-compatible, command, playbook, none',
    ],
    ["OPENAI_BASE_URL", "localhost:11434", 'OPENAI_BASE_URL="localhost:11434": expected an http(s) URL'],
    ["APPROVAL", "ask", 'APPROVAL="ask": expected one of auto, propose'],
  ])("refuses an invalid %s instead of falling back to a default", (name, value, message) => {
    expect(() => resolveSettings(map, { [name]: value })).toThrow(message);
  });

  it("reads retry_backoff: 0 in the file as no waiting", () => {
    const file = parseContextMap(`${VALID}settings:\n  retry_backoff: 0\n`);
    expect(resolveSettings(file, {}).retryBackoffMs).toBe(0);
  });

  it("reads RETRY_BACKOFF=0 as no waiting", () => {
    expect(resolveSettings(map, { RETRY_BACKOFF: "0" }).retryBackoffMs).toBe(0);
  });

  it("reads approval rules from the file and a stage, and lets APPROVAL set one mode over the file", () => {
    const file = parseContextMap(
      `${VALID}    approval: { default: propose }\nsettings:\n  approval: { default: auto, api: propose }\n`,
    );
    expect(resolveSettings(undefined, {}).approval).toEqual({ default: "auto" });
    expect(resolveSettings(file, {}).approval).toEqual({ default: "auto", api: "propose" });
    expect(file.stages["talos"]?.approval).toEqual({ default: "propose" });
    expect(resolveSettings(file, { APPROVAL: "propose" }).approval).toEqual({ default: "propose" });
  });

  it("names the flag when a flag is invalid", () => {
    expect(() => resolveSettings(map, {}, { apiCallBudget: "x" })).toThrow('--api-call-budget="x"');
  });
});

describe("parseContextMap refuses what could never work, in one line", () => {
  const stage = (body: string) => `version: 1\nstages:\n  vms:\n${body}\n`;
  it.each([
    [
      "a stage named like a command",
      "version: 1\nstages:\n  status:\n    command: ./x.sh\n",
      /:\d: stages\.status: stage name: this name is an orchestrator command/,
    ],
    [
      "a cwd that climbs out of the repo",
      stage("    command: ./x.sh\n    cwd: ../../.."),
      /:5: stages\.vms\.cwd: expected a folder inside the repo/,
    ],
    [
      "an absolute cwd",
      stage("    command: ./x.sh\n    cwd: /etc"),
      /stages\.vms\.cwd: expected a folder relative to the repo root/,
    ],
    [
      "a model endpoint that is not http(s)",
      "version: 1\nsettings:\n  openai_base_url: file:///etc/passwd\nstages:\n  vms:\n    command: ./x.sh\n",
      /:3: settings\.openai_base_url: expected an http\(s\) URL/,
    ],
    [
      "a 200 KB command",
      stage(`    command: "${"x".repeat(200_000)}"`),
      /stages\.vms\.command: a command over 32 KiB/,
    ],
    [
      "a YAML alias bomb",
      `version: 1\na: &a ["x","x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nstages:\n  vms:\n    command: ./x.sh\n`,
      /ai\/context_map\.yaml: invalid YAML: .*alias/i,
    ],
  ])("%s", (_what, text, expected) => {
    expect(errorOf(text).message).toMatch(expected);
  });

  it("accepts a cwd inside the repo, even one that steps out and back in", () => {
    expect(() =>
      parseContextMap(stage("    command: ./x.sh\n    cwd: infrastructure/../talos")),
    ).not.toThrow();
  });
});
