import { SECRET_KEY } from "./detectors.ts";
import { KNOWN_SECRET_MIN_LENGTH } from "./known-values.ts";

/** `key: value`, `KEY=value`, `key = "value"`, `"key": "value",` and `- value` (one per line). */
const ASSIGNMENT =
  /^[ \t]*(?:export[ \t]+)?(?:- )?(?<q>["']?)(?<key>[A-Za-z0-9_.\-/]{1,128})\k<q>[ \t]*(?::|=)[ \t]*(?<value>[^\n]*)$/;
const LIST_ITEM = /^[ \t]*- (?<value>[^\n]+)$/;
/** Every `"key": "value"` pair of a line, for JSON written on one line. */
const JSON_PAIR = /"(?<key>[^"\n]{1,128})"[ \t]*:[ \t]*"(?<value>(?:[^"\\\n]|\\.){1,8192})"/g;
const SECRET_NAMED = new RegExp(`^(?:${SECRET_KEY})$`, "i");
const PEM_LINE = /^[ \t]*[A-Za-z0-9+/=]{16,}[ \t]*$/;
const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,60}-----/;
const PEM_END = /-----END [A-Z0-9 ]{0,60}-----/;

/**
 * Values that are configuration, not secrets, even in a secret file: a machine config names
 * its node type, versions, addresses, paths and URLs, which appear in every log and must stay
 * readable there.
 */
function looksLikeConfiguration(value: string): boolean {
  return (
    /^(?:true|false|yes|no|null|none|~)$/i.test(value) ||
    /^-?\d+(?:\.\d+)?(?:[a-zA-Z%]{1,3})?$/.test(value) || // numbers, sizes, durations
    /^v?\d+(?:\.\d+){1,3}(?:[-+][A-Za-z0-9.]+)?$/.test(value) || // versions
    /^[\d.:/a-fA-F]+$/.test(value) || // IPs, CIDRs, hex ids, ports
    /^(?:\.{0,2}\/|~\/)[^\s]*$/.test(value) || // paths
    /^[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+(?::\d+)?(?:\/[^\s]*)?$/i.test(value) || // URLs without a password
    /^[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*$/.test(value) || // words, names, DNS names
    /^[A-Za-z][A-Za-z0-9]*(?:\/[A-Za-z0-9.-]+)?$/.test(value) || // Kinds, api versions
    /^(?:[A-Za-z0-9.-]+\/)+[A-Za-z0-9._-]+(?::[A-Za-z0-9._-]+)?(?:@sha256:[a-f0-9]{64})?$/.test(value) || // images
    /^\{\{.*\}\}$|^\$\{.*\}$|^<.*>$/.test(value)
  );
}

function unquote(raw: string): string {
  let value = raw.trim();
  const hash = value.indexOf(" #");
  if (hash !== -1 && !/^["']/.test(value)) {
    value = value.slice(0, hash).trim();
  }
  value = value.replace(/,$/, "");
  if (value.length >= 2 && /^["'`]/.test(value) && value.endsWith(value[0] as string)) {
    value = value.slice(1, -1);
  }
  return value;
}

/**
 * The secret values in the text of a file the context map marks secret (a Talos secrets
 * bundle, a talosconfig, a `.env`, a `*.tfvars`, a tunnel credentials file), for the redactor
 * to mask wherever they appear: scalar values of YAML, JSON, INI and `KEY=VALUE` lines, and
 * each base64 line of a PEM body. A value is kept when its key names a secret or it does not
 * look like configuration (a version, an address, a path, a name); short values are skipped.
 */
export function secretValuesFromFile(text: string): string[] {
  const values = new Set<string>();
  const add = (raw: string, secretNamed: boolean) => {
    const value = unquote(raw);
    if (value.length < KNOWN_SECRET_MIN_LENGTH || /^[|>][-+0-9]*$/.test(value)) {
      return;
    }
    if (value.length < 8 && !secretNamed) {
      return;
    }
    // A value under a key that does not name a secret must look like one: one word, mixing
    // letters and digits or long, and not configuration. Prose and names stay readable.
    const secretLooking =
      !/\s/.test(value) && ((/\d/.test(value) && /[A-Za-z]/.test(value)) || value.length >= 20);
    if (
      secretNamed
        ? !/^(?:true|false|null|none|\$\{.*\}|\{\{.*\}\}|<.*>)$/i.test(value)
        : secretLooking && !looksLikeConfiguration(value)
    ) {
      values.add(value);
    }
  };
  let inPem = false;
  for (const line of text.split("\n")) {
    if (PEM_BEGIN.test(line)) {
      inPem = !PEM_END.test(line);
      continue;
    }
    if (inPem) {
      if (PEM_END.test(line)) {
        inPem = false;
      } else if (PEM_LINE.test(line)) {
        values.add(line.trim());
      }
      continue;
    }
    let pairs = 0;
    JSON_PAIR.lastIndex = 0;
    for (let pair = JSON_PAIR.exec(line); pair; pair = JSON_PAIR.exec(line)) {
      pairs++;
      add(pair.groups?.["value"] ?? "", SECRET_NAMED.test(pair.groups?.["key"] ?? ""));
    }
    if (pairs > 0) {
      continue;
    }
    const assignment = ASSIGNMENT.exec(line);
    if (assignment?.groups) {
      add(assignment.groups["value"] ?? "", SECRET_NAMED.test(assignment.groups["key"] ?? ""));
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item?.groups) {
      add(item.groups["value"] ?? "", false);
    }
  }
  return [...values];
}
