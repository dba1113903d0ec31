/** The case file's sections for the live facts and for where the error points. */
import { inlineCode } from "../text/index.ts";
import { fence } from "./budget.ts";
import type { ErrorPointer } from "./pointers.ts";
import type { CaseFactSection } from "./types.ts";

/** Marks a section whose text comes from logs, files, commands or a model, not from the orchestrator. */
export const UNTRUSTED = "(untrusted data)";

/** Where the error points in the stage's files: the file that likely must change. */
export function pointersSection(pointers: ErrorPointer[]): string | undefined {
  if (pointers.length === 0) {
    return undefined;
  }
  const lines = [
    `## Where the error points ${UNTRUSTED}`,
    "",
    "Words the error line names, found in the stage's files: the file that must change is likely among these (a hint, not a rule).",
    "",
  ];
  for (const pointer of pointers) {
    lines.push(
      pointer.line === 0
        ? `- ${inlineCode(pointer.path)}: its path names ${pointer.words.map(inlineCode).join(", ")}`
        : `- ${inlineCode(pointer.path)} line ${pointer.line} holds ${pointer.words.map(inlineCode).join(", ")}: ${inlineCode(pointer.text)}`,
    );
  }
  return lines.join("\n");
}

/** The heading of one live-facts section, marked untrusted when it quotes a tool's own text. */
export function factHeading(section: Pick<CaseFactSection, "title" | "source" | "kind">): string {
  const mark = section.kind === "quoted" ? ` ${UNTRUSTED}` : "";
  return `### ${section.title.replace(/\s+/g, " ")} (${inlineCode(section.source)})${mark}`;
}

export function factsSection(facts: {
  sections: CaseFactSection[];
  unavailable: string[];
}): string | undefined {
  if (facts.sections.length === 0 && facts.unavailable.length === 0) {
    return undefined;
  }
  const lines = [
    "## Live facts (read-only, gathered when this case file was written)",
    "",
    "The orchestrator read these itself with read-only calls, so you need not ask for them as diagnostics. Sections marked (untrusted data) quote a tool's own text.",
  ];
  for (const section of facts.sections) {
    lines.push("", factHeading(section), "", fence(section.lines.join("\n"), "text"));
  }
  if (facts.unavailable.length > 0) {
    lines.push("", `### Could not be gathered ${UNTRUSTED}`, "", fence(facts.unavailable.join("\n"), "text"));
  }
  return lines.join("\n");
}
