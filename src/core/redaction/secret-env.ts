/**
 * Environment variables whose names say they hold a secret: `*_TOKEN`, `*_SECRET`,
 * `*_PASSWORD`, `*_PASS`, `*_KEY`, `*_APIKEY`, `*_CREDENTIALS`, `*_PASSPHRASE`, `*_PSK`, ...
 * (`PROXMOX_TOKEN_SECRET`, `OPENAI_API_KEY`, `EXECUTOR_API_KEY`, `TUNNEL_TOKEN`, `DB_PASS`).
 */
const SECRET_ENV_NAME =
  /(?:KEY|KEYS|TOKEN|TOKENS|SECRET|SECRETS|PASSWORD|PASSWD|PASS|PWD|PW|PASSPHRASE|PSK|APIKEY|AUTH|CREDENTIALS?|COOKIE|SESSION|PRIVATE|DSN)$/i;
/** Variables whose names end like a secret's but which hold a path, a switch or a public value. */
const NOT_SECRET_ENV_NAME =
  /^(?:PWD|OLDPWD|SSH_AUTH_SOCK|GPG_AGENT_INFO|XAUTHORITY)$|(?:_FILE|_PATH|_DIR|PUBLIC_KEY|_KEY_ID)$/i;
/** `scheme://user:password@host`: a URL in any variable (`DATABASE_URL`) may carry a password. */
const URL_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:([^\s/]+)@/i;

/**
 * The values of the environment's credentials, to pass as `knownSecrets` so they are scrubbed
 * wherever they appear, in any encoding, even where no pattern would recognise them: every
 * secret-named variable, and the password of any URL-valued variable.
 */
export function knownSecretsFromEnv(env: Readonly<Record<string, string | undefined>>): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.trim() === "") {
      continue;
    }
    if (SECRET_ENV_NAME.test(name) && !NOT_SECRET_ENV_NAME.test(name)) {
      values.push(value);
      continue;
    }
    const password = URL_PASSWORD.exec(value)?.[1];
    if (password) {
      values.push(password);
    }
  }
  return values;
}

/** The tool's own API keys: a stage or a diagnostic never needs them, so they never see them. */
export const TOOL_CREDENTIAL_VARIABLES: readonly string[] = [
  "OPENAI_API_KEY",
  "EXECUTOR_API_KEY",
  "CODEX_API_KEY",
  // The forge token GitOps delivery opens and merges pull requests with.
  "GITOPS_TOKEN",
  "OPENAI_ORG_ID",
  "OPENAI_ORGANIZATION",
  "OPENAI_PROJECT_ID",
];

/**
 * `env` without the tool's own credentials (TOOL_CREDENTIAL_VARIABLES and any variable the
 * settings name in `alsoNamed`), for the environment of stages and diagnostics. Everything else
 * (PATH, KUBECONFIG, TALOSCONFIG, the lab's own tokens) is kept: stages need their credentials.
 */
export function withoutToolCredentials(
  env: Readonly<Record<string, string | undefined>>,
  alsoNamed: readonly string[] = [],
): Record<string, string | undefined> {
  const drop = new Set([...TOOL_CREDENTIAL_VARIABLES, ...alsoNamed].map((name) => name.toUpperCase()));
  return Object.fromEntries(Object.entries(env).filter(([name]) => !drop.has(name.toUpperCase())));
}
