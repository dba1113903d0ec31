/** Shorter values would scrub ordinary words out of every log line. */
export const KNOWN_SECRET_MIN_LENGTH = 6;
/** A base64 fragment shorter than this matches random text too often to mean the secret. */
const ENCODED_FRAGMENT_MIN_LENGTH = 8;

/**
 * The stable core of `value`'s base64 when it sits at byte offset `offset` (0, 1 or 2) of a
 * longer encoded blob: the characters whose six bits all come from `value`. The first and last
 * characters of the value's span mix in bits of its neighbours, so they are left out; what
 * remains appears verbatim inside any base64 that embeds the value at that alignment (a
 * Kubernetes Secret's `.dockerconfigjson`, a base64 env dump).
 */
export function base64Core(value: string, offset: 0 | 1 | 2): string {
  const bytes = Buffer.from(value, "utf8");
  const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
  const encoded = padded.toString("base64").replace(/=+$/, "");
  // A base64 character covers bits [6k, 6k+6); it is stable when that range lies inside the value's bits.
  const firstBit = offset * 8;
  const endBit = padded.length * 8;
  const first = Math.ceil(firstBit / 6);
  const end = Math.floor(endBit / 6);
  return encoded.slice(first, end);
}

/**
 * Every form in which `secret` can appear in text: verbatim; base64 (standard and URL-safe, with
 * and without padding, of the value and of the value with the newline `echo` adds, and the stable
 * core at each of the three alignments inside a longer blob); and URL-encoded (percent and form).
 */
export function secretForms(secret: string): string[] {
  if (secret.length < KNOWN_SECRET_MIN_LENGTH) {
    return [];
  }
  const forms = new Set<string>([secret]);
  for (const form of [secret, `${secret}\n`]) {
    const base64 = Buffer.from(form, "utf8").toString("base64");
    forms.add(base64);
    forms.add(base64.replace(/=+$/, ""));
    forms.add(Buffer.from(form, "utf8").toString("base64url"));
  }
  for (const offset of [0, 1, 2] as const) {
    const core = base64Core(secret, offset);
    if (core.length >= ENCODED_FRAGMENT_MIN_LENGTH) {
      forms.add(core);
      forms.add(core.replaceAll("+", "-").replaceAll("/", "_"));
    }
  }
  const percent = encodeURIComponent(secret);
  forms.add(percent);
  forms.add(percent.replaceAll("%20", "+"));
  // Some encoders also escape the characters encodeURIComponent leaves alone.
  forms.add(percent.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
  forms.add(percent.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()));
  return [...forms];
}

interface TrieNode {
  next: Map<number, number>;
  fail: number;
  /** Index of the longest pattern ending here (directly or through the fail chain), or -1. */
  output: number;
}

/** A span of text to replace, and which pattern it was. */
export interface KnownMatch {
  start: number;
  end: number;
  pattern: number;
}

/**
 * Finds every occurrence of a fixed set of strings in one left-to-right pass (Aho–Corasick):
 * the cost is the length of the text plus the matches, whatever the number of patterns, so a
 * hundred known secrets in a hundred forms each cost no more than one.
 */
export class KnownValueMatcher {
  readonly patterns: readonly string[];
  readonly #nodes: TrieNode[] = [{ next: new Map(), fail: 0, output: -1 }];
  /** 1 for each UTF-16 code unit that starts some pattern: the scan skips every other one at the root. */
  readonly #starts = new Uint8Array(65536);

  constructor(patterns: readonly string[]) {
    this.patterns = patterns;
    patterns.forEach((pattern, index) => {
      this.#starts[pattern.charCodeAt(0)] = 1;
      let node = 0;
      for (let i = 0; i < pattern.length; i++) {
        const code = pattern.charCodeAt(i);
        let child = this.#nodes[node]?.next.get(code);
        if (child === undefined) {
          child = this.#nodes.length;
          this.#nodes.push({ next: new Map(), fail: 0, output: -1 });
          this.#nodes[node]?.next.set(code, child);
        }
        node = child;
      }
      const end = this.#nodes[node] as TrieNode;
      if (end.output === -1 || (patterns[end.output]?.length ?? 0) < pattern.length) {
        end.output = index;
      }
    });
    this.#link();
  }

  #link(): void {
    const queue: number[] = [];
    for (const child of this.#nodes[0]?.next.values() ?? []) {
      queue.push(child);
    }
    for (let head = 0; head < queue.length; head++) {
      const nodeIndex = queue[head] as number;
      const node = this.#nodes[nodeIndex] as TrieNode;
      for (const [code, child] of node.next) {
        let fail = node.fail;
        while (fail !== 0 && !this.#nodes[fail]?.next.has(code)) {
          fail = this.#nodes[fail]?.fail ?? 0;
        }
        const target = this.#nodes[fail]?.next.get(code);
        const childNode = this.#nodes[child] as TrieNode;
        childNode.fail = target !== undefined && target !== child ? target : 0;
        const inherited = this.#nodes[childNode.fail]?.output ?? -1;
        if (
          inherited !== -1 &&
          (childNode.output === -1 ||
            (this.patterns[inherited]?.length ?? 0) > (this.patterns[childNode.output]?.length ?? 0))
        ) {
          childNode.output = inherited;
        }
        queue.push(child);
      }
    }
  }

  /**
   * Non-overlapping spans to replace, left to right. Overlapping occurrences are merged into one
   * span (named after the first), so no tail of a secret is left behind a shorter match.
   */
  find(text: string): KnownMatch[] {
    const found: KnownMatch[] = [];
    if (this.patterns.length === 0) {
      return found;
    }
    const nodes = this.#nodes;
    const starts = this.#starts;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (state === 0 && starts[code] === 0) {
        continue;
      }
      let next = nodes[state]?.next.get(code);
      while (next === undefined && state !== 0) {
        state = nodes[state]?.fail ?? 0;
        next = nodes[state]?.next.get(code);
      }
      state = next ?? 0;
      const output = nodes[state]?.output ?? -1;
      if (output !== -1) {
        const start = i + 1 - (this.patterns[output]?.length ?? 0);
        // Matches arrive in order of their end; merge any that overlap the ones before.
        while (found.length > 0 && (found.at(-1) as KnownMatch).end > start) {
          const previous = found.pop() as KnownMatch;
          if (previous.start < start) {
            found.push({ start: previous.start, end: i + 1, pattern: previous.pattern });
            break;
          }
        }
        if (found.length === 0 || (found.at(-1) as KnownMatch).end <= start) {
          found.push({ start, end: i + 1, pattern: output });
        }
      }
    }
    return found;
  }
}
