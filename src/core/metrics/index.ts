import { STAGE_STATUS_NAMES } from "../stage-status/index.ts";
/**
 * The converge service's metrics in the Prometheus text exposition format 0.0.4
 * (prometheus.io/docs/instrumenting/exposition_formats/#text-based-format): `# HELP` and
 * `# TYPE` once per family before its samples, label values with `\`, `"` and newlines escaped,
 * counters named `_total`, timestamps as Unix seconds, one line per sample, a final newline.
 * Pure: the caller gathers the figures. The dashboard in docs/grafana/orchestrator.json reads
 * these names.
 */

export interface StageFigures {
  stage: string;
  status: string;
  attempts: number;
  executorRuns: number;
  apiCallsTotal: number;
  tokens: { input: number; output: number };
  /** Unix seconds of the last green, when there was one. */
  lastGreenSeconds?: number;
  fixes: { applied: number; replayed: number; reverted: number; proposed: number };
}

export interface PassFigures {
  passes: number;
  skippedPasses: number;
  running: boolean;
  lastPassEndSeconds?: number;
  lastPassDurationSeconds?: number;
  everySeconds: number;
}

export interface MetricsInput {
  stages: readonly StageFigures[];
  pass: PassFigures;
  notificationsFailed: number;
}

/** Every status a stage can be in, so each appears as 0 or 1 and a dashboard never sees a gap. */
export const STAGE_STATUSES = [...STAGE_STATUS_NAMES, "interrupted", "not_configured"] as const;

type Sample = { labels?: Record<string, string>; value: number };

function family(name: string, type: "gauge" | "counter", help: string, samples: readonly Sample[]): string {
  const lines = [
    `# HELP ${name} ${help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n")}`,
    `# TYPE ${name} ${type}`,
  ];
  for (const sample of samples) {
    const labels = Object.entries(sample.labels ?? {})
      .map(([key, value]) => `${key}="${escapeLabel(value)}"`)
      .join(",");
    lines.push(`${name}${labels ? `{${labels}}` : ""} ${formatValue(sample.value)}`);
  }
  return lines.join("\n");
}

function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) {
    return "NaN";
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  return String(value);
}

function statusLabel(status: string): string {
  return status.replace(/[^a-z_]/g, "_");
}

export function renderMetrics(input: MetricsInput): string {
  const perStage = (value: (stage: StageFigures) => number): Sample[] =>
    input.stages.map((stage) => ({ labels: { stage: stage.stage }, value: value(stage) }));
  const statuses = (stage: StageFigures): string[] => {
    const known: string[] = [...STAGE_STATUSES];
    const own = statusLabel(stage.status);
    return known.includes(own) ? known : [...known, own];
  };
  const families = [
    family(
      "orchestrator_stage_status",
      "gauge",
      "1 for the status each stage is in now, 0 for the others.",
      input.stages.flatMap((stage) =>
        statuses(stage).map((status) => ({
          labels: { stage: stage.stage, status },
          value: status === statusLabel(stage.status) ? 1 : 0,
        })),
      ),
    ),
    family(
      "orchestrator_stage_last_green_timestamp_seconds",
      "gauge",
      "When each stage last went green (Unix seconds); absent for a stage never green.",
      input.stages
        .filter((stage) => stage.lastGreenSeconds !== undefined)
        .map((stage) => ({ labels: { stage: stage.stage }, value: stage.lastGreenSeconds ?? 0 })),
    ),
    family(
      "orchestrator_stage_attempts",
      "gauge",
      "Attempts at the stage's current error (0 when it has none).",
      perStage((stage) => stage.attempts),
    ),
    family(
      "orchestrator_executor_runs_total",
      "counter",
      "Executor runs per stage since the repo's state began.",
      perStage((stage) => stage.executorRuns),
    ),
    family(
      "orchestrator_api_calls_total",
      "counter",
      "Model API requests per stage since the repo's state began.",
      perStage((stage) => stage.apiCallsTotal),
    ),
    family(
      "orchestrator_api_tokens_total",
      "counter",
      "Model API tokens per stage and direction (input, output).",
      input.stages.flatMap((stage) => [
        { labels: { stage: stage.stage, direction: "input" }, value: stage.tokens.input },
        { labels: { stage: stage.stage, direction: "output" }, value: stage.tokens.output },
      ]),
    ),
    family(
      "orchestrator_fixes_total",
      "counter",
      "Fixes per stage by what happened: applied (committed), replayed (a remembered fix), reverted, proposed.",
      input.stages.flatMap((stage) =>
        (["applied", "replayed", "reverted", "proposed"] as const).map((outcome) => ({
          labels: { stage: stage.stage, outcome },
          value: stage.fixes[outcome],
        })),
      ),
    ),
    family("orchestrator_passes_total", "counter", "Converge passes finished since this process started.", [
      { value: input.pass.passes },
    ]),
    family(
      "orchestrator_passes_skipped_total",
      "counter",
      "Converge passes skipped because another run held the repo's lock.",
      [{ value: input.pass.skippedPasses }],
    ),
    family("orchestrator_pass_running", "gauge", "1 while a converge pass is running.", [
      { value: input.pass.running ? 1 : 0 },
    ]),
    family(
      "orchestrator_last_pass_duration_seconds",
      "gauge",
      "How long the last finished converge pass took.",
      input.pass.lastPassDurationSeconds === undefined ? [] : [{ value: input.pass.lastPassDurationSeconds }],
    ),
    family(
      "orchestrator_last_pass_timestamp_seconds",
      "gauge",
      "When the last converge pass finished (Unix seconds).",
      input.pass.lastPassEndSeconds === undefined ? [] : [{ value: input.pass.lastPassEndSeconds }],
    ),
    family("orchestrator_pass_interval_seconds", "gauge", "The time between passes (--every).", [
      { value: input.pass.everySeconds },
    ]),
    family(
      "orchestrator_notifications_failed_total",
      "counter",
      "Notification deliveries that failed (each is retried with backoff).",
      [{ value: input.notificationsFailed }],
    ),
  ];
  return `${families.join("\n")}\n`;
}

export interface HealthInput {
  /** When the loop last showed a sign of life: a pass began or ended, a stage ran or wrote a line. */
  lastBeatMs: number;
  everyMs: number;
  /** The longest a pass may stay silent: the longest stage timeout plus a margin. */
  graceMs: number;
}

/** Healthy while passes come on schedule: the last sign of life is within one interval plus grace. */
export function healthOf(input: HealthInput, nowMs: number): { healthy: boolean; reason: string } {
  const silentMs = nowMs - input.lastBeatMs;
  const allowedMs = input.everyMs + input.graceMs;
  const silentS = Math.round(silentMs / 1000);
  return silentMs <= allowedMs
    ? { healthy: true, reason: `ok: last sign of life ${silentS}s ago` }
    : {
        healthy: false,
        reason: `no converge pass for ${silentS}s (expected one every ${Math.round(input.everyMs / 1000)}s, allowing ${Math.round(input.graceMs / 1000)}s more)`,
      };
}
