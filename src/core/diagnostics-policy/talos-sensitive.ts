import { type SensitiveTalosType, TALOS_SENSITIVE_TYPES } from "./talos-sensitive-types.ts";

/**
 * Every name talosctl accepts for a type, as cosi's ResourceDefinitionSpec.Fill builds them
 * (cosi-project/runtime pkg/resource/meta/spec/resource_definition.go, Fill): the lower-case
 * plural name, the singular display type, the upper-case letters of the name (and that plus
 * "s" when it does not end in S), and the name with any prefix of its group suffix. talosctl
 * compares a typed name with strings.EqualFold against the type's ID and all of those
 * (siderolabs/talos@v1.13.9 pkg/machinery/client/resources.go:29-38), so case does not matter.
 */
function aliasesOf(entry: SensitiveTalosType): string[] {
  const [name = "", ...suffix] = entry.type.split(".");
  const upper = name.replace(/[^A-Z]/g, "");
  const aliases = [name, entry.singular];
  if (upper.length > 1) {
    aliases.push(upper, ...(upper.endsWith("S") ? [] : [`${upper}s`]));
  }
  const lower = aliases.map((alias) => alias.toLowerCase());
  for (let i = 1; i <= suffix.length; i++) {
    lower.push([name, ...suffix.slice(0, i)].join(".").toLowerCase());
  }
  return lower;
}

const SENSITIVE_BY_ALIAS = new Map<string, SensitiveTalosType>();
for (const entry of TALOS_SENSITIVE_TYPES) {
  for (const alias of aliasesOf(entry)) {
    SENSITIVE_BY_ALIAS.set(alias, entry);
  }
}

/**
 * The Sensitive type `word` names, in any spelling talosctl accepts (alias, plural or singular,
 * fully or partly qualified, any case), or undefined. Judged on the name before its first dot
 * too, so `kubespanidentities.anything` is refused rather than guessed about.
 */
export function sensitiveTalosType(word: string): SensitiveTalosType | undefined {
  const lower = word.trim().toLowerCase();
  return SENSITIVE_BY_ALIAS.get(lower) ?? SENSITIVE_BY_ALIAS.get(lower.split(".")[0] ?? lower);
}
