import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Git that ignores the machine's own configuration, so tests behave the same everywhere. */
export const GIT_ENV = {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Test Human",
  GIT_AUTHOR_EMAIL: "human@example.test",
  GIT_COMMITTER_NAME: "Test Human",
  GIT_COMMITTER_EMAIL: "human@example.test",
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: "utf8" }).trim();
}

/**
 * A throwaway homelab repo: the given files (paths ending in .sh become executable),
 * committed on `main`, so tests start from a real git checkout. The one repo builder of the
 * tests; `root` names the folder to use (default: a new temporary one), `beforeCommit` adds
 * what files cannot say (a symlink).
 */
export function makeHomelabRepo(
  files: Record<string, string>,
  options: { commit?: boolean; root?: string; message?: string; beforeCommit?: (root: string) => void } = {},
): string {
  const root = options.root ?? mkdtempSync(join(tmpdir(), "homelab-"));
  mkdirSync(root, { recursive: true });
  git(root, "init", "-q", "-b", "main");
  for (const [path, content] of Object.entries(files)) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    if (path.endsWith(".sh")) {
      chmodSync(target, 0o755);
    }
  }
  options.beforeCommit?.(root);
  if (options.commit !== false) {
    git(root, "add", "-A");
    git(root, "commit", "-qm", options.message ?? "homelab");
  }
  return root;
}

/** A context map with the given stages (YAML text of the `stages:` block, indented by two). */
export function contextMap(stagesYaml: string, settingsYaml = ""): string {
  return `version: 1\n${settingsYaml ? `settings:\n${settingsYaml}\n` : ""}stages:\n${stagesYaml}\n`;
}
