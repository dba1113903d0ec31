/**
 * The exit code a stage (or one of the pack's steps and checks) uses to say "my configuration is
 * wrong, a human must fix it": EX_CONFIG, 78, in BSD's sysexits.h, which shells and many tools
 * follow. The loop stops on it at once as needs_human: no retry, executor or model can fix a
 * missing secret or tool.
 */
export const EX_CONFIG = 78;
