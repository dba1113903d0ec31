/**
 * Loghub-2k reading and scoring for the fingerprint benchmark: a small RFC-4180 CSV reader
 * and the Grouping Accuracy of ../shared/bench/loghub-2k/README.md. The data is read in
 * place and never copied.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const SYSTEMS = [
  "Android",
  "Apache",
  "BGL",
  "Hadoop",
  "HDFS",
  "HealthApp",
  "HPC",
  "Linux",
  "Mac",
  "OpenSSH",
  "OpenStack",
  "Proxifier",
  "Spark",
  "Thunderbird",
  "Windows",
  "Zookeeper",
] as const;

/**
 * Rows of an RFC-4180 CSV (quoted fields, doubled quotes, CRLF or LF line ends). Fields are
 * slices of the text, not strings grown a character at a time: those are chains of pieces that
 * every later read of the message would walk, which real input read from a file never is.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let runStart = 0; // start of the characters not yet added to `field`
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === 34) {
        field += text.slice(runStart, i);
        if (text.charCodeAt(i + 1) === 34) {
          field += '"';
          i += 2;
          runStart = i;
          continue;
        }
        quoted = false;
        runStart = i + 1;
      }
      i++;
      continue;
    }
    if (c === 34) {
      field += text.slice(runStart, i);
      quoted = true;
      runStart = i + 1;
    } else if (c === 44 || c === 10 || c === 13) {
      row.push(field + text.slice(runStart, i));
      field = "";
      if (c !== 44) {
        if (c === 13 && text.charCodeAt(i + 1) === 10) {
          i++;
        }
        rows.push(row);
        row = [];
      }
      runStart = i + 1;
    }
    i++;
  }
  if (field !== "" || runStart < text.length || row.length > 0) {
    row.push(field + text.slice(runStart));
    rows.push(row);
  }
  return rows;
}

export interface LabelledLines {
  contents: string[];
  labels: string[];
}

/** The `Content` column and one label column of a structured CSV, in file order. */
export function readLabelled(file: string, labelColumn: "EventId" | "EventTemplate"): LabelledLines {
  const [header, ...rows] = parseCsv(readFileSync(file, "utf8"));
  if (header === undefined) {
    throw new Error(`${file}: empty CSV`);
  }
  const content = header.indexOf("Content");
  const label = header.indexOf(labelColumn);
  if (content < 0 || label < 0) {
    throw new Error(`${file}: no Content or ${labelColumn} column`);
  }
  const contents: string[] = [];
  const labels: string[] = [];
  for (const row of rows) {
    if (row.length < header.length) {
      continue;
    }
    contents.push(row[content] ?? "");
    labels.push(row[label] ?? "");
  }
  return { contents, labels };
}

export interface Variant {
  name: string;
  file: (dir: string, system: string) => string;
  label: "EventId" | "EventTemplate";
}

export const VARIANTS: Variant[] = [
  {
    name: "original (EventId)",
    file: (dir, s) => join(dir, s, `${s}_2k.log_structured.csv`),
    label: "EventId",
  },
  {
    name: "Loghub-2.0 corrected (EventTemplate)",
    file: (dir, s) => join(dir, s, "loghub-2.0", `${s}_2k.log_structured_corrected.csv`),
    label: "EventTemplate",
  },
];

export function variantAvailable(dir: string, variant: Variant, system: string): boolean {
  return existsSync(variant.file(dir, system));
}

export interface GroupingScore {
  /** Grouping Accuracy: share of lines whose predicted group equals their true group exactly. */
  ga: number;
  /** F1 of group-level accuracy (Loghub-2.0). */
  fga: number;
  predictedGroups: number;
  trueGroups: number;
}

/** GA and FGA of predicted labels against true labels; rows with an empty true label are left out. */
export function scoreGrouping(predicted: readonly string[], truth: readonly string[]): GroupingScore {
  const byPredicted = new Map<string, number[]>();
  const trueSizes = new Map<string, number>();
  let n = 0;
  for (let k = 0; k < truth.length; k++) {
    const t = truth[k] ?? "";
    if (t === "") {
      continue;
    }
    n++;
    trueSizes.set(t, (trueSizes.get(t) ?? 0) + 1);
    const p = predicted[k] ?? "";
    const members = byPredicted.get(p);
    if (members === undefined) {
      byPredicted.set(p, [k]);
    } else {
      members.push(k);
    }
  }
  let correctLines = 0;
  let correctGroups = 0;
  for (const members of byPredicted.values()) {
    const first = truth[members[0] ?? 0] ?? "";
    if (members.every((m) => truth[m] === first) && trueSizes.get(first) === members.length) {
      correctLines += members.length;
      correctGroups++;
    }
  }
  const pga = byPredicted.size === 0 ? 0 : correctGroups / byPredicted.size;
  const rga = trueSizes.size === 0 ? 0 : correctGroups / trueSizes.size;
  return {
    ga: n === 0 ? 0 : correctLines / n,
    fga: pga + rga === 0 ? 0 : (2 * pga * rga) / (pga + rga),
    predictedGroups: byPredicted.size,
    trueGroups: trueSizes.size,
  };
}
