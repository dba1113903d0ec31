import type { Dirent } from "node:fs";
import { open, readdir } from "node:fs/promises";
import { join } from "node:path";
import {
  isSecretPath,
  knownSecretsFromEnv,
  Redactor,
  secretValuesFromFile,
} from "../../core/redaction/index.ts";

/** A secret file larger than this is read only this far: secrets bundles and env files are small. */
export const MAX_SECRET_FILE_BYTES = 1024 * 1024;
const MAX_SECRET_FILES = 500;
/** Folders never walked: git's own store and dependency trees hold no secret of the homelab's. */
const SKIPPED_FOLDERS = new Set([".git", "node_modules"]);
const MAX_ENTRIES = 200_000;

export interface SecretValues {
  /** The values found, for `new Redactor({ knownSecrets })`. */
  values: string[];
  /** Repo-relative paths of the secret files read. */
  files: string[];
  /** Secret files or folders that could not be read (not ENOENT), with the reason: their values stay unknown. */
  unreadable: { path: string; reason: string }[];
}

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}

async function readHead(path: string, maxBytes: number): Promise<string> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(maxBytes);
    const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
}

/**
 * Every file under `repoRoot` that the built-in secret list or the context map's `secrets:`
 * globs name — tracked or not, ignored ones included (talos/secrets.yaml, talosconfig, .env,
 * *.tfvars are usually gitignored, and are exactly the ones to know) — read (size-capped) and
 * reduced to the values the redactor must mask wherever they appear. Symlinks are not followed.
 */
export async function readSecretValues(
  repoRoot: string,
  secretGlobs: readonly string[],
): Promise<SecretValues> {
  const result: SecretValues = { values: [], files: [], unreadable: [] };
  const values = new Set<string>();
  const folders = [""];
  let entries = 0;
  while (folders.length > 0 && entries < MAX_ENTRIES && result.files.length < MAX_SECRET_FILES) {
    const folder = folders.pop() as string;
    let listing: Dirent[];
    try {
      listing = await readdir(join(repoRoot, folder), { withFileTypes: true });
    } catch (error) {
      if (errorCode(error) !== "ENOENT") {
        result.unreadable.push({ path: folder || ".", reason: String(errorCode(error) ?? error) });
      }
      continue;
    }
    for (const entry of listing) {
      entries++;
      const path = folder === "" ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) {
          folders.push(path);
        }
        continue;
      }
      if (!entry.isFile() || !isSecretPath(path, secretGlobs) || result.files.length >= MAX_SECRET_FILES) {
        continue;
      }
      try {
        const text = await readHead(join(repoRoot, path), MAX_SECRET_FILE_BYTES);
        result.files.push(path);
        for (const value of secretValuesFromFile(text)) {
          values.add(value);
        }
      } catch (error) {
        if (errorCode(error) !== "ENOENT") {
          result.unreadable.push({ path, reason: String(errorCode(error) ?? error) });
        }
      }
    }
  }
  result.values = [...values];
  result.files.sort();
  return result;
}

/**
 * The redactor for text that leaves this machine from `repoRoot`: every shape pattern, plus the
 * values of the environment's credentials and of the repo's secret files, in all their encodings.
 */
export async function redactorForRepo(opts: {
  repoRoot: string;
  secretGlobs: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
}): Promise<{ redactor: Redactor; secretValues: SecretValues }> {
  const secretValues = await readSecretValues(opts.repoRoot, opts.secretGlobs);
  const redactor = new Redactor({ knownSecrets: [...knownSecretsFromEnv(opts.env), ...secretValues.values] });
  return { redactor, secretValues };
}
