import { estimateTokens } from "./budget.ts";
import { factHeading } from "./render-facts.ts";
import type { CaseFactSection, CaseLiveFacts } from "./types.ts";

/** A few lines of a section say something; fewer are not worth their heading. */
const MIN_USEFUL_LINES = 3;
/** "Could not be gathered" lines kept at most; each is one short line. */
const MAX_UNAVAILABLE = 12;
/** The fence and blank lines around a section. */
const SECTION_OVERHEAD_TOKENS = 6;

export interface FittedFacts {
  selected: { sections: CaseFactSection[]; unavailable: string[] };
  tokens: number;
  /** What was cut, for the case file's "Left out" list. */
  omitted: string[];
}

/**
 * The live facts that fit in `capTokens`: sections in the gatherer's order, whole while they fit;
 * one that does not is cut to its first lines (saying how many more there were) or, when even
 * a few lines do not fit, left out by name. What could not be gathered is always said.
 */
export function selectFacts(facts: CaseLiveFacts, capTokens: number): FittedFacts {
  const omitted: string[] = [];
  const unavailable = facts.unavailable.slice(0, MAX_UNAVAILABLE);
  if (facts.unavailable.length > unavailable.length) {
    unavailable.push(`… and ${facts.unavailable.length - unavailable.length} more`);
  }
  let left = capTokens - estimateTokens(unavailable.join("\n")) - SECTION_OVERHEAD_TOKENS;
  const sections: CaseFactSection[] = [];
  for (const section of facts.sections) {
    const headingCost = estimateTokens(factHeading(section)) + SECTION_OVERHEAD_TOKENS;
    const cost = headingCost + estimateTokens(section.lines.join("\n"));
    if (cost <= left) {
      sections.push(section);
      left -= cost;
      continue;
    }
    const kept: string[] = [];
    let used = headingCost + estimateTokens("[... 999 more line(s) left out to fit the token budget ...]");
    for (const line of section.lines) {
      const next = estimateTokens(`${line}\n`);
      if (used + next > left) {
        break;
      }
      kept.push(line);
      used += next;
    }
    if (kept.length >= MIN_USEFUL_LINES) {
      const cut = section.lines.length - kept.length;
      sections.push({
        ...section,
        lines: [...kept, `[... ${cut} more line(s) left out to fit the token budget ...]`],
      });
      left -= used;
      omitted.push(`${cut} of ${section.lines.length} lines of the live facts "${section.title}"`);
    } else {
      omitted.push(`the live facts "${section.title}" (about ${cost} tokens)`);
    }
  }
  return {
    selected: { sections, unavailable },
    tokens: Math.max(0, capTokens - left),
    omitted,
  };
}
