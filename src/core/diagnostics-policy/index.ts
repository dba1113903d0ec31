export type { DiagnosticVerdict } from "./check-diagnostic.ts";
export { checkDiagnostic } from "./check-diagnostic.ts";
export type { ParsedArgs, ParsedOption } from "./parse-args.ts";
export { parseArgs } from "./parse-args.ts";
export { checkProxmoxReadPath, PROXMOX_READ_PATHS, type ProxmoxReadPath } from "./proxmox-read-paths.ts";
export { checkReadOnly, READ_ONLY_POLICY, REFUSED_TOOLS } from "./read-only-policy.ts";
export type { SplitResult } from "./split-command-line.ts";
export { splitCommandLine } from "./split-command-line.ts";
export type { ToolPolicy } from "./tool-policy.ts";
