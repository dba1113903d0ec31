/**
 * No green by switching off. A stage's checks compare the cluster with what the repo asks for, so
 * a patch can make them pass by asking for less: `ingress.mode: none` makes the tunnel check
 * vacuous, `suspend: true` stops Flux from reporting a broken object, `replicas: 0` leaves no pod
 * to log an error, `|| true` makes a failing command pass. Such a patch hides the fault instead of
 * fixing it, so the guard refuses it and says which value it would switch off; switching a
 * component off is a human's decision. Rules, each a sentence in `SWITCH_OFF_RULES` (the case
 * file shows them to the model):
 *
 * - a key named `mode` (or `type`, `provider`) set to an "off" word (none, disabled, off, false,
 *   empty) or removed, when it had another value;
 * - a key named `enabled`/`enable` going from true to false (or removed);
 * - a Flux object (apiVersion under toolkit.fluxcd.io) given `suspend: true`: Flux's documented
 *   switch to stop reconciling it (fluxcd.io/flux/components/kustomize/kustomizations/#suspend
 *   and fluxcd.io/flux/components/helm/helmreleases/#suspend);
 * - `replicas` going from a positive number to 0;
 * - a non-empty value (a string or a list) emptied, which is what a check compares against;
 * - in a script, an added `|| true`, `|| :` or `set +e`, which turns a failing command into a pass.
 */
import { parseAllDocuments } from "yaml";
import { applyHunks } from "./hunks.ts";
import type { FileChange, ParsedPatch } from "./parse.ts";
import { isScriptPath } from "./reach.ts";

/** What counts as switching off, each completed with what becomes of such a patch. */
const SWITCH_OFFS: readonly string[] = [
  "Setting a component's mode (mode, type, provider) to none, disabled, off, false or empty, or removing it,",
  "Turning `enabled`/`enable` from true to false, or removing it,",
  "Suspending a Flux object (`suspend: true` on a Kustomization, HelmRelease, GitRepository or any toolkit.fluxcd.io kind)",
  "Scaling `replicas` from a positive number to 0",
  "Emptying a value a check compares against (a non-empty string or list set to empty or null)",
  "Adding `|| true`, `|| :` or `set +e` to a script (a failing command that passes anyway)",
];
const CHECKS_ARE_THE_HUMANS =
  "Checks are the human's: the context map (success_criteria and their expectations) cannot be patched.";

/**
 * The rules the case file shows the model. Refused by default; where the repo proposes this
 * source's fixes for approval, a switch-off is not refused but proposed to a human with its
 * reason, and not run until approved.
 */
export function switchOffRules(handling: "refuse" | "propose"): string[] {
  const lead =
    handling === "refuse"
      ? "A patch may not switch off what a stage delivers or verifies; each of these is refused."
      : "A patch that switches off what a stage delivers or verifies is not run: it is proposed for a human to approve or reject, with the reason, so a real fix is always better. Each of these is proposed for a human instead of run:";
  const verdict = handling === "refuse" ? "is refused." : "is proposed for a human.";
  return [lead, ...SWITCH_OFFS.map((what) => `${what} ${verdict}`), CHECKS_ARE_THE_HUMANS];
}

export const SWITCH_OFF_RULES: readonly string[] = switchOffRules("refuse");

const MODE_KEYS = new Set(["mode", "type", "provider"]);
const ENABLE_KEYS = new Set(["enabled", "enable"]);
const OFF_WORDS = new Set(["none", "disabled", "disable", "off", "false", "no", "null", ""]);
const FLUX_GROUP = /(^|\.)toolkit\.fluxcd\.io\//;

const isYaml = (path: string) => /\.ya?ml$/i.test(path);

/** Reasons the patch switches something off; empty when it does not. */
export function switchOffProblems(patch: ParsedPatch, oldContents: Record<string, string>): string[] {
  const reasons: string[] = [];
  for (const change of patch.files) {
    const path = change.newPath ?? change.oldPath;
    const oldText = change.oldPath === null ? undefined : oldContents[change.oldPath];
    if (path === null || change.oldPath === null || oldText === undefined || change.binary) {
      continue; // a new file switches nothing off; a missing old text is git apply's to refuse
    }
    const newText = change.kind === "delete" ? "" : newTextOf(change, oldText);
    if (newText === undefined) {
      continue;
    }
    if (isYaml(change.oldPath)) {
      reasons.push(...yamlSwitchOffs(path, oldText, newText));
    } else if (isScriptPath(change.oldPath, oldText) && change.kind !== "delete") {
      reasons.push(...scriptSwitchOffs(path, change));
    }
  }
  return reasons;
}

function newTextOf(change: FileChange, oldText: string): string | undefined {
  return change.hunks.length === 0 ? oldText : applyHunks(oldText, change.hunks);
}

type Leaf = {
  value: unknown;
  /** Where the value is inside its document, e.g. `ingress.mode` or `spec.suspend`. */
  at: string;
  kind: string | undefined;
  name: string | undefined;
  apiVersion: string;
};

function yamlSwitchOffs(path: string, oldText: string, newText: string): string[] {
  const before = leavesOf(oldText);
  const after = leavesOf(newText);
  if (before === undefined || after === undefined) {
    return []; // YAML that does not parse is the stage's error to report, not a switch-off
  }
  const reasons: string[] = [];
  const where = (_key: string, leaf: Leaf) =>
    `${path}: ${leaf.at}${leaf.kind && leaf.name ? ` of the ${leaf.kind} ${leaf.name}` : ""}`;
  for (const [key, old] of before) {
    const now = after.get(key);
    const field =
      key
        .split(".")
        .at(-1)
        ?.replace(/\[\d+\]$/, "") ?? "";
    const nowValue = now?.value;
    if (MODE_KEYS.has(field) && isOn(old.value) && (now === undefined || isOff(nowValue))) {
      reasons.push(
        `${where(key, old)} goes from ${shown(old.value)} to ${now === undefined ? "removed" : shown(nowValue)}: that switches off what a stage delivers or verifies instead of fixing it; only a human switches a component off`,
      );
    } else if (ENABLE_KEYS.has(field) && old.value === true && nowValue !== true) {
      reasons.push(
        `${where(key, old)} goes from true to ${now === undefined ? "removed" : shown(nowValue)}: disabling a component hides its fault instead of fixing it; only a human disables it`,
      );
    } else if (field === "replicas" && typeof old.value === "number" && old.value > 0 && nowValue === 0) {
      reasons.push(
        `${where(key, old)} goes from ${old.value} to 0: with no pod running its checks have nothing to fail on; only a human scales a component to zero`,
      );
    } else if (isEmptied(old.value, now)) {
      reasons.push(
        `${where(key, old)} is emptied (was ${shown(old.value)}): the checks compare against it, so emptying it can pass them without fixing anything`,
      );
    }
  }
  for (const [key, now] of after) {
    const field = key.split(".").at(-1) ?? "";
    if (
      field === "suspend" &&
      now.value === true &&
      FLUX_GROUP.test(now.apiVersion) &&
      before.get(key)?.value !== true
    ) {
      reasons.push(
        `${where(key, now)} is set to true: a suspended Flux object stops reconciling and reporting, so its stage would pass without the fix; only a human suspends it`,
      );
    }
  }
  return reasons;
}

function isOn(value: unknown): boolean {
  return (typeof value === "string" || typeof value === "boolean") && !isOff(value);
}

function isOff(value: unknown): boolean {
  return (
    value === null ||
    value === undefined ||
    value === false ||
    OFF_WORDS.has(String(value).trim().toLowerCase())
  );
}

function isEmptied(old: unknown, now: Leaf | undefined): boolean {
  if (now === undefined) {
    return false; // a key removed is a restructuring, judged by the rules above when it matters
  }
  const wasFull = (typeof old === "string" && old.trim() !== "") || (Array.isArray(old) && old.length > 0);
  const isEmpty =
    now.value === null || now.value === "" || (Array.isArray(now.value) && now.value.length === 0);
  return wasFull && isEmpty;
}

function shown(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/**
 * Every leaf of every document, keyed by where it is: `#<n>.` for the n-th document, or the
 * object's kind and name when it has them (so reordering documents changes nothing). A non-empty
 * list is one leaf (so emptying it is seen) and its items are leaves too.
 */
function leavesOf(text: string): Map<string, Leaf> | undefined {
  const leaves = new Map<string, Leaf>();
  let documents: unknown[];
  try {
    const parsed = parseAllDocuments(text);
    if (!Array.isArray(parsed) || parsed.some((document) => document.errors.length > 0)) {
      return undefined;
    }
    documents = parsed.map((document) => document.toJS({ maxAliasCount: 100 }) as unknown);
  } catch {
    return undefined;
  }
  documents.forEach((document, index) => {
    const record = isRecord(document) ? document : {};
    const metadata = isRecord(record["metadata"]) ? record["metadata"] : {};
    const kind = typeof record["kind"] === "string" ? record["kind"] : undefined;
    const name = typeof metadata["name"] === "string" ? metadata["name"] : undefined;
    const apiVersion = typeof record["apiVersion"] === "string" ? record["apiVersion"] : "";
    const prefix = kind && name ? `${kind}/${name}` : `#${index}`;
    walk(document, prefix, (key, value) =>
      leaves.set(key, { value, at: key.slice(prefix.length + 1), kind, name, apiVersion }),
    );
  });
  return leaves;
}

function walk(value: unknown, key: string, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(value)) {
    visit(key, value);
    for (const [index, item] of value.entries()) {
      walk(item, `${key}[${index}]`, visit);
    }
  } else if (isRecord(value)) {
    for (const [field, inner] of Object.entries(value)) {
      walk(inner, `${key}.${field}`, visit);
    }
  } else {
    visit(key, value);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const SWALLOWED = /\|\|\s*(true|:)\s*(#.*)?$|^\s*set\s+\+e\b/;

function scriptSwitchOffs(path: string, change: FileChange): string[] {
  const added = change.hunks.flatMap((hunk) => hunk.lines.filter((line) => line.kind === "+"));
  return added
    .filter((line) => SWALLOWED.test(line.text))
    .map(
      (line) =>
        `${path}: the added line "${line.text.trim()}" makes a failing command pass; a check that cannot fail verifies nothing, so fix the command instead`,
    );
}
