/**
 * The named sections of `master_memo.md`: each from its heading (any level, name compared without
 * case) to the next heading of the same or a higher level. Names with no section are returned too.
 */
export function extractMemoSections(
  memoText: string,
  headings: string[],
): { sections: { heading: string; text: string }[]; missing: string[] } {
  const lines = memoText.replace(/\r\n/g, "\n").split("\n");
  const headingsAt = lines.flatMap((line, index) => {
    const match = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    return match ? [{ index, level: match[1]?.length ?? 1, name: match[2] ?? "" }] : [];
  });
  const sections: { heading: string; text: string }[] = [];
  const missing: string[] = [];
  for (const wanted of headings) {
    const start = headingsAt.find((heading) => heading.name.toLowerCase() === wanted.trim().toLowerCase());
    if (!start) {
      missing.push(wanted);
      continue;
    }
    const end = headingsAt.find((heading) => heading.index > start.index && heading.level <= start.level);
    const text = lines
      .slice(start.index + 1, end?.index ?? lines.length)
      .join("\n")
      .trim();
    sections.push({ heading: start.name, text });
  }
  return { sections, missing };
}
