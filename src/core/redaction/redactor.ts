import { DETECTORS } from "./detectors.ts";

export interface RedactionFinding {
  kind: string;
  placeholder: string;
}

/** Shorter values would scrub ordinary words out of every log line. */
const KNOWN_SECRET_MIN_LENGTH = 6;

/**
 * Scrubs secrets from text before it leaves the machine. The same secret always gets the
 * same placeholder (`[REDACTED:pve-token#1]`) for the life of one Redactor, so a model can
 * still see that two lines mention the same token without seeing it.
 */
export class Redactor {
  readonly #placeholders = new Map<string, string>();
  readonly #countByKind = new Map<string, number>();
  readonly #findings: RedactionFinding[] = [];
  readonly #knownSecrets: string[];

  constructor(opts?: { knownSecrets?: string[] }) {
    const variants = new Set<string>();
    for (const secret of opts?.knownSecrets ?? []) {
      if (secret.length < KNOWN_SECRET_MIN_LENGTH) {
        continue;
      }
      variants.add(secret);
      // What `echo -n`, `echo` and base64url make of it, as Kubernetes Secrets and env dumps show it.
      for (const form of [secret, `${secret}\n`]) {
        const base64 = Buffer.from(form, "utf8").toString("base64");
        variants.add(base64);
        variants.add(base64.replace(/=+$/, ""));
        variants.add(Buffer.from(form, "utf8").toString("base64url"));
      }
    }
    // Longest first, so a secret never leaves a tail of itself behind a shorter match.
    this.#knownSecrets = [...variants].sort((a, b) => b.length - a.length);
  }

  get findings(): ReadonlyArray<RedactionFinding> {
    return this.#findings;
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.#knownSecrets) {
      if (result.includes(secret)) {
        result = result.replaceAll(secret, () => this.#placeholderFor(secret, "known-secret"));
      }
    }
    for (const detector of DETECTORS) {
      detector.pattern.lastIndex = 0;
      result = result.replace(detector.pattern, (match: string, ...rest: unknown[]) => {
        const groups = rest.at(-1) as Record<string, string | undefined>;
        const offset = rest.at(-3) as number;
        const whole = rest.at(-2) as string;
        const secret = groups["secret"];
        // Text running straight into a placeholder is that secret's context (`PVEAPIToken=user!id=[...]`).
        const touchesPlaceholder = whole.startsWith("[REDACTED:", offset + match.length);
        if (!secret || touchesPlaceholder || (detector.accept && !detector.accept(secret))) {
          return match;
        }
        const kind = typeof detector.kind === "function" ? detector.kind(groups) : detector.kind;
        return `${groups["pre"] ?? ""}${this.#placeholderFor(secret, kind)}${groups["post"] ?? ""}`;
      });
    }
    return result;
  }

  #placeholderFor(secret: string, kind: string): string {
    const known = this.#placeholders.get(secret);
    if (known) {
      return known;
    }
    const n = (this.#countByKind.get(kind) ?? 0) + 1;
    this.#countByKind.set(kind, n);
    const placeholder = `[REDACTED:${kind}#${n}]`;
    this.#placeholders.set(secret, placeholder);
    this.#findings.push({ kind, placeholder });
    return placeholder;
  }
}

/** Environment variables whose names say they hold a secret. */
const SECRET_ENV_NAME = /(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIALS?)$/i;

/**
 * The values of secret-named environment variables (`OPENAI_API_KEY`, `PROXMOX_TOKEN_SECRET`,
 * `TUNNEL_TOKEN`, ...), to pass as `knownSecrets` so they are scrubbed wherever they appear,
 * even where no pattern would recognise them.
 */
export function knownSecretsFromEnv(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_ENV_NAME.test(name) && value !== undefined && value.trim() !== "")
    .map(([, value]) => value as string);
}
