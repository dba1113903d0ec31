import { z } from "zod";
import { ClusterTable } from "./cluster-table.ts";
import { shortHash } from "./hash.ts";
import { WILDCARD } from "./mask.ts";
import { MaskedLine } from "./masked-line.ts";

/**
 * A streaming template miner in the spirit of Drain, improved where Loghub shows Drain's
 * weaknesses:
 * - Messages are masked first; identical masked messages share a cluster (masked in one pass
 *   into a reused buffer and looked up without making a string, which is what makes a million
 *   lines a second possible).
 * - A new cluster joins the most similar group of the same token count when they differ only
 *   in variable-looking tokens (paths, hosts, identifiers, masked values): Drain's widening.
 * - Two plain words at the same place ("VM Started" / "VM Paused", "GET" / "POST") usually
 *   mean two statements, not a variable: such a place becomes a wildcard only once
 *   `WORD_VARIANTS_TO_WIDEN` different words were seen there (user names, host names do that).
 *   The clusters that waited are then merged into the group, so the final grouping is right
 *   for them too, unless they also differ where the group holds a word (`(uid=0)` against
 *   `LOGIN(uid=0)`): only differences in masked values and paths count as variable there.
 * - A word a group has kept over `CONFIDENT_LINES` lines is taken for a constant (the evidence
 *   Brain reads from token frequencies): a line that differs there waits as a variant instead
 *   of widening the group at once (`tty=NODEVssh` for 117 lines, then `tty=:0` once).
 * A group's id is fixed when it is created and stays as its template widens; a group merged
 * into an older one answers with the older one's id from then on.
 */

export const MinerState = z.object({
  version: z.literal(1),
  clusters: z.array(z.object({ key: z.string(), group: z.number().int().nonnegative() })),
  groups: z.array(
    z.object({
      id: z.string(),
      template: z.array(z.string()),
      parent: z.number().int().nonnegative().optional(),
      seen: z.number().int().nonnegative().optional(),
    }),
  ),
});
export type MinerState = z.infer<typeof MinerState>;

export interface TemplateMatch {
  template: string;
  group: string;
}

/** Share of equal tokens a message needs to join a group (Drain's similarity threshold). */
const SIMILARITY_THRESHOLD = 0.5;
/** Different plain words seen at one place before that place is taken for a variable. */
const WORD_VARIANTS_TO_WIDEN = 4;
/** Lines a group must have taken before its constant words are trusted to be constant. */
const CONFIDENT_LINES = 16;
const TWO_LETTERS = /[A-Za-z]{2}/;

interface Group {
  id: string;
  tokens: string[];
  parent: number; // itself when it is a root
  match: TemplateMatch | undefined; // cached answer, cleared when the template widens
  variants: Map<number, Set<string>> | undefined; // words seen per place, and the groups that waited
  waiting: number[] | undefined;
  seen: number; // lines this group (as a root) has taken: evidence that its constant tokens are constant
}

// One word in light punctuation: what a message's first token must be to key its bucket.
const SIMPLE_WORD = /^[^A-Za-z0-9<>]{0,2}[A-Za-z][A-Za-z0-9]*[^A-Za-z0-9<>]{0,2}$/;
// A word or dotted identifier, possibly in light punctuation or as the value of `key=` or `key:`: `Started`, `(Lifecycle`, `user=root`.
const WORD =
  /^(?:[A-Za-z_]+[=:])?[^A-Za-z0-9<>]{0,2}[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*[^A-Za-z0-9<>]{0,2}$/;

/**
 * Drain's fixed-depth key: token count and the first token when it is a plain word (usually the
 * logging component or verb); messages that start with a variable share one bucket per length.
 */
function bucketOf(tokens: readonly string[]): string {
  const first = tokens[0] ?? "";
  return `${tokens.length} ${SIMPLE_WORD.test(first) ? first : WILDCARD}`;
}

function isPlainWord(token: string): boolean {
  return WORD.test(token);
}

/**
 * Two tokens at one place that say different statements rather than different values: two plain
 * words, or a word the group has kept constant over many lines against anything but a bare
 * variable (`tty=NODEVssh` against `tty=:0`: a value would have varied long before).
 */
function isWordDifference(t: string, token: string, confident: boolean): boolean {
  return isPlainWord(t) && (isPlainWord(token) || (confident && token !== WILDCARD));
}

/** A masked value with no word left in it, or a masked path: a difference there is a variable. */
function isValueToken(token: string): boolean {
  if (!token.includes(WILDCARD)) {
    return false;
  }
  return token.includes("/") || token.includes("\\") || !TWO_LETTERS.test(token.replaceAll(WILDCARD, ""));
}

export class TemplateMiner {
  private readonly clusterOf = new ClusterTable(); // masked message -> group index at creation
  private readonly scratch = new MaskedLine();
  private readonly groups: Group[] = [];
  private readonly buckets = new Map<string, number[]>(); // bucketOf(template) -> root group indexes
  private readonly ids = new Set<string>();

  constructor(state?: MinerState) {
    if (state === undefined) {
      return;
    }
    for (const saved of state.groups) {
      this.pushGroup({
        id: saved.id,
        tokens: [...saved.template],
        parent: saved.parent ?? this.groups.length,
        match: undefined,
        variants: undefined,
        waiting: undefined,
        seen: saved.seen ?? 0,
      });
    }
    for (const cluster of state.clusters) {
      if (cluster.group < this.groups.length) {
        this.clusterOf.set(cluster.key, cluster.group);
      }
    }
  }

  /** Tolerant load: a state file that is missing, damaged or from another version gives an empty miner. */
  static fromJSON(json: unknown): TemplateMiner {
    const parsed = MinerState.safeParse(json);
    if (!parsed.success) {
      return new TemplateMiner();
    }
    const valid = parsed.data.groups.every((g, k) => g.parent === undefined || g.parent <= k);
    return valid ? new TemplateMiner(parsed.data) : new TemplateMiner();
  }

  /** Learn from one message and return its template and group id as of now. */
  add(message: string): TemplateMatch {
    return this.resolve(this.learn(message));
  }

  /**
   * Learn from one message and return its cluster handle; `resolve(handle)` later gives the
   * group as it is then, after any merges. Lets a caller report final groups for a whole input.
   * `start` and `end` pick the message out of a larger text without slicing it.
   */
  learn(message: string, start = 0, end = message.length): number {
    const masked = this.scratch.read(message, start, end);
    const known = this.clusterOf.find(masked);
    if (known >= 0) {
      this.countLine(known);
      return known;
    }
    const key = masked.toString();
    const group = this.place(masked.tokens());
    this.clusterOf.set(key, group);
    this.countLine(group);
    return group;
  }

  /** The group a cluster handle belongs to now. */
  resolve(handle: number): TemplateMatch {
    const group = this.groups[this.root(handle)];
    if (group === undefined) {
      throw new Error(`unknown cluster handle ${handle}`);
    }
    if (group.match === undefined) {
      group.match = Object.freeze({ template: group.tokens.join(" "), group: group.id });
    }
    return group.match;
  }

  /** The template a message belongs to, without learning. An unknown message gets its masked form. */
  match(message: string): TemplateMatch {
    const masked = this.scratch.read(message);
    const known = this.clusterOf.find(masked);
    if (known >= 0) {
      return this.resolve(known);
    }
    const tokens = masked.tokens();
    const candidate = this.nearest(tokens);
    if (candidate !== undefined && candidate.wordPlace < 0) {
      return this.resolve(candidate.group);
    }
    const template = tokens.join(" ");
    return { template, group: shortHash(`${tokens.length}\n${template}`) };
  }

  toJSON(): MinerState {
    return {
      version: 1,
      clusters: [...this.clusterOf.entries()].map(([key, group]) => ({ key, group })),
      groups: this.groups.map((g, k) =>
        g.parent === k
          ? { id: g.id, template: [...g.tokens], seen: g.seen }
          : { id: g.id, template: [...g.tokens], parent: g.parent },
      ),
    };
  }

  private countLine(handle: number): void {
    const group = this.groups[handle] as Group;
    if (group.parent === handle) {
      group.seen++;
    } else {
      (this.groups[this.root(handle)] as Group).seen++;
    }
  }

  private root(index: number): number {
    let k = index;
    for (let parent = this.groups[k]?.parent ?? k; parent !== k; parent = this.groups[k]?.parent ?? k) {
      k = parent;
    }
    return k;
  }

  /**
   * The most similar root group of the same length. `wordPlace` is -1 when the two differ only
   * in variable-looking tokens, else the one place where two plain words differ.
   */
  private nearest(tokens: readonly string[]): { group: number; wordPlace: number } | undefined {
    const roots = this.buckets.get(bucketOf(tokens));
    if (roots === undefined) {
      return undefined;
    }
    const needed = SIMILARITY_THRESHOLD * tokens.length;
    let best: { group: number; wordPlace: number } | undefined;
    let bestEqual = -1;
    for (const index of roots) {
      const group = this.groups[index] as Group;
      const template = group.tokens;
      const confident = group.seen >= CONFIDENT_LINES;
      let equal = 0;
      let wordPlace = -1;
      let words = 0;
      for (let k = 0; k < template.length; k++) {
        const t = template[k] as string;
        const token = tokens[k] as string;
        if (t === token || t === WILDCARD) {
          equal++;
        } else if (isWordDifference(t, token, confident)) {
          words++;
          wordPlace = k;
        }
      }
      if (words > 1 || equal < needed) {
        continue;
      }
      // A match without a word difference beats any with one; then the most equal tokens win.
      const score = equal + (words === 0 ? tokens.length + 1 : 0);
      if (score > bestEqual) {
        bestEqual = score;
        best = { group: index, wordPlace: words === 0 ? -1 : wordPlace };
      }
    }
    return best;
  }

  private place(tokens: string[]): number {
    const candidate = this.nearest(tokens);
    if (candidate === undefined) {
      return this.createGroup(tokens);
    }
    const target = this.groups[candidate.group] as Group;
    if (candidate.wordPlace < 0) {
      this.widen(target, tokens, -1);
      return candidate.group;
    }
    // Two plain words differ at one place: a separate group for now, remembered as a variant.
    const own = this.createGroup(tokens);
    target.variants ??= new Map();
    target.waiting ??= [];
    const seen =
      target.variants.get(candidate.wordPlace) ?? new Set([target.tokens[candidate.wordPlace] as string]);
    target.variants.set(candidate.wordPlace, seen);
    seen.add(tokens[candidate.wordPlace] as string);
    target.waiting.push(own);
    if (seen.size >= WORD_VARIANTS_TO_WIDEN) {
      target.tokens[candidate.wordPlace] = WILDCARD;
      target.match = undefined;
      target.variants.delete(candidate.wordPlace);
      this.absorbWaiting(candidate.group);
    }
    return own;
  }

  /** Merge into `index` every waiting group that differs from it only in variables. */
  private absorbWaiting(index: number): void {
    const target = this.groups[index] as Group;
    const still: number[] = [];
    for (const waiting of target.waiting ?? []) {
      const root = this.root(waiting);
      const other = this.groups[root];
      if (other === undefined || root === index) {
        continue;
      }
      const fits = other.tokens.every(
        (t, k) =>
          target.tokens[k] === WILDCARD ||
          t === target.tokens[k] ||
          isValueToken(t) ||
          isValueToken(target.tokens[k] ?? ""),
      );
      if (!fits) {
        still.push(waiting);
        continue;
      }
      this.widen(target, other.tokens, -1);
      other.parent = index;
      target.seen += other.seen;
      const roots = this.buckets.get(bucketOf(other.tokens)) ?? [];
      roots.splice(roots.indexOf(root), 1);
    }
    target.waiting = still;
  }

  private widen(group: Group, tokens: readonly string[], _place: number): void {
    const template = group.tokens;
    for (let k = 0; k < template.length; k++) {
      if (template[k] !== tokens[k] && template[k] !== WILDCARD) {
        template[k] = WILDCARD;
        group.match = undefined;
      }
    }
  }

  private createGroup(tokens: readonly string[]): number {
    const base = shortHash(`${tokens.length}\n${tokens.join(" ")}`);
    let id = base;
    for (let n = 1; this.ids.has(id); n++) {
      id = shortHash(`${base}\n${n}`);
    }
    return this.pushGroup({
      id,
      tokens: [...tokens],
      parent: this.groups.length,
      match: undefined,
      variants: undefined,
      waiting: undefined,
      seen: 0,
    });
  }

  private pushGroup(group: Group): number {
    const index = this.groups.length;
    this.groups.push(group);
    this.ids.add(group.id);
    if (group.parent === index) {
      const bucket = bucketOf(group.tokens);
      const roots = this.buckets.get(bucket);
      if (roots === undefined) {
        this.buckets.set(bucket, [index]);
      } else {
        roots.push(index);
      }
    }
    return index;
  }
}
