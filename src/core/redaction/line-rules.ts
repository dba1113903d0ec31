import { isSecretValue } from "./detectors.ts";
import type { PlaceholderFor } from "./line-structure.ts";
import { readRestOfLine, readWord, type ValueSpan } from "./values.ts";

/**
 * Secrets whose shape depends on what else the line says: `-p` is a password only on a mysql,
 * sshpass or `docker login` line; `value` is a token only next to pveum's `full-tokenid`. Each
 * rule is gated by a cheap test of the whole line and then scans the line once, so a line full
 * of `mysql mysql mysql` costs one pass, not one pass per word.
 */
interface LineRule {
  kind: string;
  /** Does the line hold the context? */
  applies: (line: string) => boolean;
  /** Global; each match ends where a secret begins. */
  context: RegExp;
  read: (line: string, pos: number) => ValueSpan;
}

const word = (line: string, pos: number) => readWord(line, pos, false);

const LINE_RULES: readonly LineRule[] = [
  {
    // mysql -pPASSWORD (attached; `-p` alone prompts)
    kind: "password",
    applies: (line) => /\b(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\b/.test(line),
    context: /(?:^|\s)-p(?=[^\s-])/g,
    read: word,
  },
  {
    // sshpass -p PASSWORD, docker|podman|helm|skopeo|crane|buildah [registry] login -p PASSWORD
    kind: "password",
    applies: (line) =>
      /\bsshpass\b/.test(line) ||
      /\b(?:docker|podman|helm|buildah|skopeo|crane)[ \t]+(?:registry[ \t]+)?login\b/.test(line),
    context: /(?:^|\s)-p[ \t]*(?=[^\s-])/g,
    read: word,
  },
  {
    // redis-cli -a PASSWORD
    kind: "password",
    applies: (line) => line.includes("redis-cli"),
    context: /(?:^|\s)-a[ \t]*(?=[^\s-])/g,
    read: word,
  },
  {
    // .netrc: machine HOST login USER password PASSWORD
    kind: "password",
    applies: (line) =>
      /\bmachine[ \t]+\S+[ \t]+(?:login[ \t]+\S+[ \t]+)?password[ \t]/.test(line) ||
      /^\s*default[ \t]+login[ \t]/.test(line),
    context: /(?:^|\s)password[ \t]+(?=\S)/g,
    read: word,
  },
  {
    // `pveum user token add` and `pvesh create .../token/<id>` print the secret as `value` next
    // to `full-tokenid`, in JSON, YAML on one line, or a line joined from several.
    kind: "pve-token",
    applies: (line) => line.includes("full-tokenid"),
    context: /\bvalue["']?[ \t]*[:=][ \t]*["']?(?=[^\s"'])/g,
    read: (line, pos) => {
      const span = readWord(line, pos, false);
      let end = span.start;
      while (end < span.end && !/[,|│}]/.test(line[end] as string)) {
        end++;
      }
      return { start: span.start, end };
    },
  },
  {
    // A Kubernetes Secret on one line (JSON, flow YAML, joined lines): everything after `data:`.
    kind: "secret",
    applies: (line) => line.includes("Secret") && /\bkind["']?[ \t]*:[ \t]*["']?Secret\b/.test(line),
    context: /\bdata["']?[ \t]*:[ \t]*(?=\S)/g,
    read: readRestOfLine,
  },
];

/** `line` with the secrets the line rules find replaced by placeholders. */
export function redactLineRules(line: string, placeholder: PlaceholderFor): string {
  let result = line;
  for (const rule of LINE_RULES) {
    if (!rule.applies(result)) {
      continue;
    }
    const parts: string[] = [];
    let copied = 0;
    rule.context.lastIndex = 0;
    for (let match = rule.context.exec(result); match; match = rule.context.exec(result)) {
      const span = rule.read(result, match.index + match[0].length);
      const secret = result.slice(span.start, span.end);
      if (span.start >= copied && isSecretValue(secret)) {
        parts.push(result.slice(copied, span.start), placeholder(secret, rule.kind));
        copied = span.end;
      }
      rule.context.lastIndex = Math.max(rule.context.lastIndex, span.end);
    }
    if (copied > 0) {
      parts.push(result.slice(copied));
      result = parts.join("");
    }
  }
  return result;
}
