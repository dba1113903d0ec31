import type { CaseFactSection, CaseLiveFacts } from "../../core/case-file/index.ts";

/** Lines one section may have, and characters one line may have: facts are bounded at the source. */
export const MAX_SECTION_LINES = 40;
const MAX_LINE_CHARS = 300;

/**
 * The live facts of one case file as they are gathered: sections in the order they were added,
 * and one line for each fact that could not be gathered. Adding never throws.
 */
export class FactSheet {
  readonly #sections: CaseFactSection[] = [];
  readonly #unavailable: string[] = [];
  readonly #stop: AbortSignal | undefined;

  /** Once `stop` is aborted no new read starts: what was gathered by then is kept. */
  constructor(stop?: AbortSignal) {
    this.#stop = stop;
  }

  /** Adds a section; an empty one says nothing and is dropped. */
  add(section: CaseFactSection): void {
    if (section.lines.length === 0) {
      return;
    }
    const lines = section.lines.slice(0, MAX_SECTION_LINES).map(shortLine);
    if (section.lines.length > lines.length) {
      lines.push(`… and ${section.lines.length - lines.length} more`);
    }
    this.#sections.push({ ...section, lines });
  }

  /** One line: what could not be gathered, and the first line of why. */
  fail(what: string, error: unknown): void {
    this.#unavailable.push(shortLine(`${what}: ${reasonOf(error)}`));
  }

  /** `read()`, or undefined with the failure noted: a fact that cannot be read is never fatal. */
  async attempt<T>(what: string, read: () => Promise<T>): Promise<T | undefined> {
    if (this.#stop?.aborted) {
      this.fail(what, new Error("not asked: the time for live facts was up"));
      return undefined;
    }
    try {
      return await read();
    } catch (error) {
      this.fail(what, error);
      return undefined;
    }
  }

  facts(): CaseLiveFacts {
    return { sections: [...this.#sections], unavailable: [...this.#unavailable] };
  }
}

function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (
    text
      .split("\n")
      .map((line) => line.trim())
      .find((line) => line !== "") ?? "no reason given"
  );
}

function shortLine(line: string): string {
  const flat = line.replace(/\s+/g, " ").trim();
  return flat.length > MAX_LINE_CHARS ? `${flat.slice(0, MAX_LINE_CHARS - 1)}…` : flat;
}

/**
 * A value from a live system shown in an `observed` section, which a fix may use: only names,
 * ids, paths, addresses and sizes pass (letters, digits and `._:/@,=+~-`, no URL); anything else is
 * replaced by a note, so free text a system returns can never pose as an observed fact.
 */
export function plain(value: unknown): string {
  const text = String(value ?? "");
  // No URL either: a link is how injected text asks to be fetched and run.
  return /^[A-Za-z0-9/~][A-Za-z0-9._:/@,=+~-]{0,199}$/.test(text) && !text.includes("://")
    ? text
    : "(value not shown: unusual characters)";
}

/** `plain` for each word of a short phrase such as `69 GB` or `QEMU HARDDISK`. */
export function plainWords(value: unknown): string {
  return String(value ?? "")
    .trim()
    .split(/\s+/)
    .filter((word) => word !== "")
    .map(plain)
    .join(" ");
}
