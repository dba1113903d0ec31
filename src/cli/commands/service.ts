import { mkdir, open, writeFile } from "node:fs/promises";
import { homedir, userInfo } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseListen } from "../../adapters/metrics-server/index.ts";
import { pathSegment } from "../../core/repo-layout/index.ts";
import { UserError } from "../../errors/index.ts";
import { type GlobalOptions, repoRootOf } from "../global-options.ts";
import type { CliIO } from "../io.ts";

export interface ServiceOptions extends GlobalOptions {
  user?: boolean;
  dryRun?: boolean;
  every: string;
  listen: string;
}

/**
 * `orchestrator service install [--user] [--dry-run]`: a systemd unit that runs `converge` for
 * this repo with the listener, and an environment file for its secrets (model key, Proxmox
 * token, notification URLs) beside it, outside the repo. Directives as systemd documents them:
 * systemd.service(5) (Type=, ExecStart= quoting, Restart=, RestartSec=, TimeoutStopSec=),
 * systemd.exec(5) (WorkingDirectory=, EnvironmentFile= with a leading "-" for an optional file,
 * User=, NoNewPrivileges=), systemd.kill(5) (KillMode=, KillSignal=), systemd.unit(5) (After=,
 * Wants=, WantedBy=). Nothing is enabled or started: the command prints the systemctl lines.
 */
export async function run(_args: [], options: ServiceOptions, io: CliIO): Promise<number> {
  const repoRoot = repoRootOf(options, io);
  parseListen(options.listen);
  const user = options.user === true;
  const name = `orchestrator-${pathSegment(basename(repoRoot)).toLowerCase()}`;
  const home = io.env["HOME"] ?? homedir();
  const configHome = io.env["XDG_CONFIG_HOME"] ?? join(home, ".config");
  const unitPath = user
    ? join(configHome, "systemd/user", `${name}.service`)
    : `/etc/systemd/system/${name}.service`;
  const envPath = user ? join(configHome, "orchestrator", `${name}.env`) : `/etc/orchestrator/${name}.env`;
  const unit = unitText({
    repoRoot,
    envPath,
    user,
    runAs: io.env["SUDO_USER"] ?? userInfo().username,
    // From dist/src/cli/commands/ (what users run) up to the package's bin/.
    execStart: [
      process.execPath,
      fileURLToPath(new URL("../../../../bin/orchestrator", import.meta.url)),
      "-C",
      repoRoot,
      "converge",
      "--every",
      options.every,
      "--listen",
      options.listen,
    ],
  });
  const systemctl = user ? "systemctl --user" : "systemctl";
  const journalctl = user ? `journalctl --user -u ${name} -f` : `journalctl -u ${name} -f`;
  if (options.dryRun) {
    io.stdout.write(`# ${unitPath}\n${unit}`);
    return 0;
  }
  try {
    await mkdir(dirname(unitPath), { recursive: true });
    await writeFile(unitPath, unit, "utf8");
    await mkdir(dirname(envPath), { recursive: true, mode: 0o700 });
    const created = await createIfAbsent(envPath, ENV_TEMPLATE);
    io.stdout.write(
      `wrote ${unitPath}\n` +
        (created ? `wrote ${envPath} (mode 600): put the service's secrets there\n` : `kept ${envPath}\n`) +
        `next:\n  ${systemctl} daemon-reload\n  ${systemctl} enable --now ${name}.service\n  ${journalctl}\n`,
    );
    return 0;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM") {
      throw new UserError(
        `${unitPath}: permission denied; run it as root (sudo) or use --user for a unit of your own`,
      );
    }
    throw error;
  }
}

const ENV_TEMPLATE = `# Environment for the orchestrator's converge service (systemd EnvironmentFile=: one
# NAME=value per line, # comments). Keep this file outside the repo, mode 600.
# OPENAI_API_KEY=
# PROXMOX_TOKEN_SECRET=
# NTFY_URL=https://ntfy.sh/your-secret-topic
# ORCHESTRATOR_LISTEN_TOKEN=
`;

async function createIfAbsent(path: string, content: string): Promise<boolean> {
  try {
    const handle = await open(path, "wx", 0o600);
    try {
      await handle.writeFile(content, "utf8");
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      return false;
    }
    throw error;
  }
}

/**
 * One ExecStart= word: double-quoted when it holds a space or a quote, `\` and `"` escaped;
 * `%` doubled (specifiers) and `$` doubled (variable expansion), as systemd.service(5)
 * "Command lines" and systemd.unit(5) "Specifiers" require.
 */
export function execWord(word: string): string {
  const escaped = word.replaceAll("%", "%%").replaceAll("$", "$$$$");
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)
    ? escaped
    : `"${escaped.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

export function unitText(options: {
  repoRoot: string;
  envPath: string;
  user: boolean;
  runAs: string;
  execStart: string[];
}): string {
  return `[Unit]
Description=homelab-orchestrator converge for ${options.repoRoot.replaceAll("%", "%%")}
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
WorkingDirectory=${options.repoRoot.replaceAll("%", "%%")}
EnvironmentFile=-${options.envPath.replaceAll("%", "%%")}
ExecStart=${options.execStart.map(execWord).join(" ")}
${options.user ? "" : `User=${options.runAs}\n`}Restart=on-failure
RestartSec=30s
# converge stops the running stage's process group on SIGTERM and exits 0.
KillMode=mixed
KillSignal=SIGTERM
TimeoutStopSec=2min
NoNewPrivileges=yes

[Install]
WantedBy=${options.user ? "default.target" : "multi-user.target"}
`;
}
