import { z } from "zod";
import { shortHash } from "./hash.ts";
import { maskTokens, WILDCARD } from "./mask.ts";

/**
 * A streaming template miner in the spirit of Drain: messages are masked, bucketed by a
 * fixed-depth key (token count and leading constant tokens), and merged into the most
 * similar template of their bucket, which widens to `<*>` where its members differ.
 * A group's id is fixed when the group is created, so it stays the same as the template widens.
 */

export const MinerState = z.object({
  version: z.literal(1),
  groups: z.array(
    z.object({
      id: z.string(),
      bucket: z.string(),
      template: z.array(z.string()),
      count: z.number().int().nonnegative(),
    }),
  ),
});
export type MinerState = z.infer<typeof MinerState>;

export interface TemplateMatch {
  template: string;
  group: string;
}

/** Share of equal tokens a message needs to join a template of its bucket. */
const SIMILARITY_THRESHOLD = 0.5;

interface Group {
  id: string;
  bucket: string;
  tokens: string[];
  count: number;
  text: string | undefined; // cached joined template, cleared when the template widens
}

function bucketOf(tokens: readonly string[]): string {
  const first = tokens[0] ?? "";
  return `${tokens.length} ${first.includes(WILDCARD) ? WILDCARD : first}`;
}

function templateText(group: Group): string {
  if (group.text === undefined) {
    group.text = group.tokens.join(" ");
  }
  return group.text;
}

export class TemplateMiner {
  private readonly buckets = new Map<string, Group[]>();
  private readonly groups: Group[] = [];
  private readonly ids = new Set<string>();

  constructor(state?: MinerState) {
    for (const saved of state?.groups ?? []) {
      this.insert({
        id: saved.id,
        bucket: saved.bucket,
        tokens: [...saved.template],
        count: saved.count,
        text: undefined,
      });
    }
  }

  /** Tolerant load: a state file that is missing, damaged or from another version gives an empty miner. */
  static fromJSON(json: unknown): TemplateMiner {
    const parsed = MinerState.safeParse(json);
    return new TemplateMiner(parsed.success ? parsed.data : undefined);
  }

  /** Learn from one message and return its (possibly widened) template and its stable group id. */
  add(message: string): TemplateMatch {
    const tokens = maskTokens(message);
    const bucket = bucketOf(tokens);
    const found = this.best(bucket, tokens);
    if (found === undefined) {
      const group = this.create(bucket, tokens);
      return { template: templateText(group), group: group.id };
    }
    found.count++;
    const template = found.tokens;
    for (let k = 0; k < template.length; k++) {
      if (template[k] !== tokens[k] && template[k] !== WILDCARD) {
        template[k] = WILDCARD;
        found.text = undefined;
      }
    }
    return { template: templateText(found), group: found.id };
  }

  /** The template a message belongs to, without learning. An unknown message gets its masked form. */
  match(message: string): TemplateMatch {
    const tokens = maskTokens(message);
    const found = this.best(bucketOf(tokens), tokens);
    if (found !== undefined) {
      return { template: templateText(found), group: found.id };
    }
    const template = tokens.join(" ");
    return { template, group: shortHash(template) };
  }

  toJSON(): MinerState {
    return {
      version: 1,
      groups: this.groups.map((g) => ({
        id: g.id,
        bucket: g.bucket,
        template: [...g.tokens],
        count: g.count,
      })),
    };
  }

  private best(bucket: string, tokens: readonly string[]): Group | undefined {
    const candidates = this.buckets.get(bucket);
    if (candidates === undefined) {
      return undefined;
    }
    let best: Group | undefined;
    let bestScore = -1;
    let bestWild = -1;
    for (const group of candidates) {
      const template = group.tokens;
      let equal = 0;
      let wild = 0;
      for (let k = 0; k < template.length; k++) {
        const t = template[k];
        if (t === tokens[k]) {
          equal++;
        } else if (t === WILDCARD) {
          wild++;
        }
      }
      if (equal > bestScore || (equal === bestScore && wild > bestWild)) {
        best = group;
        bestScore = equal;
        bestWild = wild;
      }
    }
    if (best === undefined || bestScore < SIMILARITY_THRESHOLD * tokens.length) {
      return undefined;
    }
    return best;
  }

  private create(bucket: string, tokens: string[]): Group {
    const base = shortHash(`${bucket}\n${tokens.join(" ")}`);
    let id = base;
    for (let n = 1; this.ids.has(id); n++) {
      id = shortHash(`${base}\n${n}`);
    }
    const group: Group = { id, bucket, tokens: [...tokens], count: 1, text: undefined };
    this.insert(group);
    return group;
  }

  private insert(group: Group): void {
    this.groups.push(group);
    this.ids.add(group.id);
    const list = this.buckets.get(group.bucket);
    if (list === undefined) {
      this.buckets.set(group.bucket, [group]);
    } else {
      list.push(group);
    }
  }
}
