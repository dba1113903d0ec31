import { readFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import type { NotifyTarget } from "../../config/schema.ts";
import { UserError } from "../../errors/index.ts";

/** How a target is named in logs, the journal and the ledger: its `name`, or kind and position. */
export function targetName(target: NotifyTarget, index: number): string {
  return target.name ?? `${target.kind}-${index + 1}`;
}

/**
 * The target's URL and token, read now (a rotated token is picked up without a restart) from the
 * environment variable or the file outside the repo that the context map names.
 */
export async function resolveTarget(
  target: NotifyTarget,
  repoRoot: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ url: string; token?: string }> {
  const url = await secretFrom(target.url_env, target.url_file, repoRoot, env, "URL");
  if (url === undefined) {
    throw new UserError("no URL: set url_env or url_file in ai/context_map.yaml notify:");
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`the URL in ${target.url_env ?? target.url_file} is not a URL`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new UserError(`the URL in ${target.url_env ?? target.url_file} is not http(s)`);
  }
  const token = await secretFrom(target.token_env, target.token_file, repoRoot, env, "token");
  if (target.kind === "gotify" && token === undefined) {
    throw new UserError("a gotify target needs an application token: set token_env or token_file");
  }
  return token === undefined ? { url } : { url, token };
}

async function secretFrom(
  envName: string | undefined,
  file: string | undefined,
  repoRoot: string,
  env: Readonly<Record<string, string | undefined>>,
  what: string,
): Promise<string | undefined> {
  if (envName !== undefined) {
    const value = env[envName]?.trim();
    if (!value) {
      throw new UserError(`the environment variable ${envName} (the ${what}) is not set`);
    }
    return value;
  }
  if (file !== undefined) {
    const inRepo = relative(resolve(repoRoot), resolve(file));
    if (!inRepo.startsWith("..") && !inRepo.startsWith("/")) {
      throw new UserError(
        `${file}: the ${what} file is inside the repo; keep it outside git (e.g. /etc/orchestrator/)`,
      );
    }
    const value = (await readFile(file, "utf8")).trim();
    if (value === "") {
      throw new UserError(`${file}: the ${what} file is empty`);
    }
    return value;
  }
  return undefined;
}
