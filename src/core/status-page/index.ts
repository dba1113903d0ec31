/**
 * The converge service's status page: one plain HTML document, no script, no outside resource
 * (a strict Content-Security-Policy is sent with it), readable in a text browser. Every piece of
 * outside text — stage output, reasons, summaries, file names — is escaped here, in one place.
 * Pure: the caller gathers the figures.
 */
import { stripControls } from "../text/index.ts";

export interface StatusPageStage {
  stage: string;
  status: string;
  since: string | null;
  reason: string | null;
  fingerprint: string | null;
  attempts: number;
  apiCallsTotal: number;
  executorRuns: number;
  tokens: { input: number; output: number };
  lastLog: string | null;
}

export interface StatusPageInput {
  repo: string;
  generatedAt: string;
  health: { healthy: boolean; reason: string };
  stages: readonly StatusPageStage[];
  /** The story `orchestrator explain` tells, per stage with a current episode. */
  stories: readonly { stage: string; story: string }[];
  proposals: readonly { id: string; stage: string; summary: string; at: string }[];
  /** The last lines of the last log of each stage that is not green. */
  tails: readonly { stage: string; logFile: string; text: string }[];
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** HTML-escaped, with a terminal's escape sequences and control characters dropped first. */
export function escapeHtml(text: string): string {
  return stripControls(text).replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

function cell(text: string | number | null): string {
  return `<td>${text === null ? "-" : escapeHtml(String(text))}</td>`;
}

export function renderStatusPage(input: StatusPageInput): string {
  const rows = input.stages
    .map(
      (stage) =>
        `<tr class="status-${escapeHtml(stage.status.replace(/\W/g, "_"))}">` +
        cell(stage.stage) +
        cell(stage.status) +
        cell(stage.since ? stage.since.replace("T", " ").slice(0, 19) : null) +
        cell(stage.fingerprint) +
        cell(stage.attempts) +
        cell(stage.reason) +
        cell(stage.lastLog) +
        "</tr>",
    )
    .join("\n");
  const spendRows = input.stages
    .filter((stage) => stage.apiCallsTotal > 0 || stage.executorRuns > 0)
    .map(
      (stage) =>
        `<tr>${cell(stage.stage)}${cell(stage.executorRuns)}${cell(stage.apiCallsTotal)}${cell(stage.tokens.input)}${cell(stage.tokens.output)}</tr>`,
    )
    .join("\n");
  const proposals =
    input.proposals.length === 0
      ? "<p>No fix is waiting for approval.</p>"
      : `<ul>${input.proposals
          .map(
            (proposal) =>
              `<li><strong>${escapeHtml(proposal.stage)}</strong>: ${escapeHtml(proposal.summary)} ` +
              `(${escapeHtml(proposal.at.replace("T", " ").slice(0, 19))}) — ` +
              `<code>orchestrator approve ${escapeHtml(proposal.id)}</code> or ` +
              `<code>orchestrator reject ${escapeHtml(proposal.id)}</code></li>`,
          )
          .join("\n")}</ul>`;
  const stories =
    input.stories.length === 0
      ? "<p>No episode to tell.</p>"
      : input.stories
          .map((story) => `<h3>${escapeHtml(story.stage)}</h3>\n<pre>${escapeHtml(story.story)}</pre>`)
          .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>orchestrator: ${escapeHtml(input.repo)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem; max-width: 70rem; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
.status-green td:nth-child(2) { color: #176f2c; } .status-give_up td:nth-child(2), .status-needs_human td:nth-child(2), .status-failed td:nth-child(2) { color: #b00020; font-weight: bold; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: .5rem; }
</style>
</head>
<body>
<h1>orchestrator</h1>
<p>Repo <code>${escapeHtml(input.repo)}</code> · page made ${escapeHtml(input.generatedAt.replace("T", " ").slice(0, 19))} UTC · health: <strong>${input.health.healthy ? "healthy" : "unhealthy"}</strong> (${escapeHtml(input.health.reason)})</p>
<h2>Stages</h2>
<table>
<thead><tr><th>Stage</th><th>Status</th><th>Since</th><th>Fingerprint</th><th>Attempts</th><th>Reason</th><th>Last log</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>Waiting for approval</h2>
${proposals}
<h2>Spend</h2>
${spendRows === "" ? "<p>No executor run and no model call yet.</p>" : `<table>\n<thead><tr><th>Stage</th><th>Executor runs</th><th>API calls</th><th>Tokens in</th><th>Tokens out</th></tr></thead>\n<tbody>\n${spendRows}\n</tbody>\n</table>`}
<h2>Last episodes</h2>
${stories}
<h2>Last output of stages that are not green</h2>
${
  input.tails.length === 0
    ? "<p>Every stage that ran is green.</p>"
    : input.tails
        .map(
          (tail) =>
            `<h3>${escapeHtml(tail.stage)}: <code>${escapeHtml(tail.logFile)}</code></h3>\n<pre>${escapeHtml(tail.text)}</pre>`,
        )
        .join("\n")
}
</body>
</html>
`;
}
