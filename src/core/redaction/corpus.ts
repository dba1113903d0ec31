/**
 * Secret formats a homelab's text can carry, each with a seeded secret (generated here, valid
 * nowhere), the text it appears in, and where the shape comes from (the tool or document that
 * defines it). The corpus tests and `npm run bench:redaction` feed every sample through every
 * channel and count the ones whose secret survives.
 */
export interface SecretSample {
  name: string;
  /** Where the shape comes from: a documentation page or the tool whose output it is. */
  source: string;
  secret: string;
  text: string;
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE64 = `${ALNUM}+/`;
const HEX = "0123456789abcdef";

/** Deterministic pseudo-random text, so the corpus is the same on every machine. */
function seeded(seed: number, length: number, alphabet = ALNUM): string {
  let state = seed * 2654435761;
  let out = "";
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    out += alphabet[(state >>> 0) % alphabet.length];
  }
  return out;
}

const uuid = (seed: number) => {
  const h = seeded(seed, 32, HEX);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const b64 = (seed: number, bytes: number) => Buffer.from(seeded(seed, bytes)).toString("base64");
const pemBody = (seed: number, lines: number) =>
  Array.from({ length: lines }, (_, i) => seeded(seed + i, 64, BASE64)).join("\n");

let nextSeed = 1;
function sample(name: string, source: string, make: (seed: number) => { secret: string; text: string }) {
  const seed = nextSeed++;
  return { name, source, ...make(seed * 97) };
}
const plain = (
  name: string,
  source: string,
  secretOf: (seed: number) => string,
  textOf: (s: string) => string,
) =>
  sample(name, source, (seed) => {
    const secret = secretOf(seed);
    return { secret, text: textOf(secret) };
  });
const password = (seed: number) => `${seeded(seed, 6)}-${seeded(seed + 1, 6)}!${seeded(seed + 2, 4)}`;

export const SECRET_CORPUS: readonly SecretSample[] = [
  // API keys with a prefix of their own
  plain(
    "OpenAI project key",
    "platform.openai.com/docs/api-reference/authentication",
    (s) => `sk-proj-${seeded(s, 100)}`,
    (k) => `openai.AuthenticationError: Incorrect API key provided: ${k}`,
  ),
  plain(
    "OpenAI legacy key",
    "platform.openai.com/docs/api-reference/authentication",
    (s) => `sk-${seeded(s, 48)}`,
    (k) => `export OPENAI_API_KEY=${k}`,
  ),
  plain(
    "Anthropic key",
    "docs.anthropic.com/en/api/getting-started",
    (s) => `sk-ant-api03-${seeded(s, 90)}`,
    (k) => `x-api-key: ${k}`,
  ),
  plain(
    "GitHub classic PAT",
    "docs.github.com/en/authentication (token prefixes)",
    (s) => `ghp_${seeded(s, 36)}`,
    (k) => `remote: Invalid username or token ${k}`,
  ),
  plain(
    "GitHub fine-grained PAT",
    "docs.github.com/en/authentication (token prefixes)",
    (s) => `github_pat_${seeded(s, 82)}`,
    (k) => `GITHUB_TOKEN=${k} flux bootstrap github`,
  ),
  plain(
    "GitHub OAuth token",
    "docs.github.com/en/authentication (token prefixes)",
    (s) => `gho_${seeded(s, 36)}`,
    (k) => `using token ${k} for api.github.com`,
  ),
  plain(
    "GitHub app installation token",
    "docs.github.com/en/authentication (token prefixes)",
    (s) => `ghs_${seeded(s, 36)}`,
    (k) => `git clone https://x-access-token:${k}@github.com/me/lab.git`,
  ),
  plain(
    "GitLab PAT",
    "docs.gitlab.com/ee/security/tokens",
    (s) => `glpat-${seeded(s, 20)}`,
    (k) => `PRIVATE-TOKEN: ${k}`,
  ),
  plain(
    "Slack bot token",
    "api.slack.com/authentication/token-types",
    (s) => `xoxb-${seeded(s, 12, "0123456789")}-${seeded(s + 1, 24)}`,
    (k) => `slack: posting with ${k}`,
  ),
  plain(
    "Slack webhook URL",
    "api.slack.com/messaging/webhooks",
    (s) => `T${seeded(s, 8)}/B${seeded(s + 1, 8)}/${seeded(s + 2, 24)}`,
    (k) => `notify: POST https://hooks.slack.com/services/${k} failed`,
  ),
  plain(
    "Discord webhook URL",
    "discord.com/developers/docs/resources/webhook",
    (s) => `${seeded(s, 18, "0123456789")}/${seeded(s + 1, 68)}`,
    (k) => `webhook_url: https://discord.com/api/webhooks/${k}`,
  ),
  plain(
    "Stripe secret key",
    "docs.stripe.com/keys",
    (s) => `sk_live_${seeded(s, 24)}`,
    (k) => `stripe error for ${k}`,
  ),
  plain(
    "Google API key",
    "cloud.google.com/docs/authentication/api-keys",
    (s) => `AIza${seeded(s, 35)}`,
    (k) => `GET https://maps.googleapis.com/maps/api/geocode/json?address=x&key=${k}`,
  ),
  plain(
    "SendGrid key",
    "docs.sendgrid.com/ui/account-and-settings/api-keys",
    (s) => `SG.${seeded(s, 22)}.${seeded(s + 1, 43)}`,
    (k) => `smtp relay using ${k}`,
  ),
  plain(
    "npm token",
    "docs.npmjs.com/about-access-tokens",
    (s) => `npm_${seeded(s, 36)}`,
    (k) => `//registry.npmjs.org/:_authToken=${k}`,
  ),
  plain(
    "PyPI token",
    "pypi.org/help/#apitoken",
    (s) => `pypi-AgEIcHlwaS5vcmc${seeded(s, 60)}`,
    (k) => `password = ${k}`,
  ),
  plain(
    "Hugging Face token",
    "huggingface.co/docs/hub/security-tokens",
    (s) => `hf_${seeded(s, 34)}`,
    (k) => `HF_TOKEN=${k}`,
  ),
  plain(
    "DigitalOcean token",
    "docs.digitalocean.com/reference/api/create-personal-access-token",
    (s) => `dop_v1_${seeded(s, 64, HEX)}`,
    (k) => `doctl auth init --access-token ${k}`,
  ),
  plain(
    "Tailscale auth key",
    "tailscale.com/kb/1085/auth-keys",
    (s) => `tskey-auth-${seeded(s, 12)}-${seeded(s + 1, 30)}`,
    (k) => `tailscale up --authkey=${k}`,
  ),
  plain(
    "Vault token",
    "developer.hashicorp.com/vault/docs/concepts/tokens",
    (s) => `hvs.${seeded(s, 90)}`,
    (k) => `VAULT_TOKEN=${k}`,
  ),
  plain(
    "Grafana service account token",
    "grafana.com/docs/grafana/latest/administration/service-accounts",
    (s) => `glsa_${seeded(s, 32)}_${seeded(s + 1, 8, HEX)}`,
    (k) => `grafana client: token ${k}`,
  ),
  plain(
    "Doppler token",
    "docs.doppler.com/docs/service-tokens",
    (s) => `dp.st.prd.${seeded(s, 40)}`,
    (k) => `doppler run --token ${k}`,
  ),
  plain(
    "Shopify token",
    "shopify.dev/docs/apps/auth",
    (s) => `shpat_${seeded(s, 32, HEX)}`,
    (k) => `X-Shopify-Access-Token ${k}`,
  ),
  plain(
    "Telegram bot token",
    "core.telegram.org/bots/api#authorizing-your-bot",
    (s) => `${seeded(s, 10, "123456789")}:AA${seeded(s + 1, 33)}`,
    (k) => `https://api.telegram.org/bot${k}/sendMessage`,
  ),
  plain(
    "AWS access key id",
    "docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
    (s) => `AKIA${seeded(s, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}`,
    (k) => `aws_access_key_id = ${k}`,
  ),
  plain(
    "AWS secret access key",
    "docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html",
    (s) => seeded(s, 40, BASE64),
    (k) => `aws_secret_access_key = ${k}`,
  ),
  plain(
    "age secret key",
    "github.com/FiloSottile/age (key format)",
    (s) => `AGE-SECRET-KEY-1${seeded(s, 58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L")}`,
    (k) => `# created: 2026-11-25\n${k}`,
  ),
  plain(
    "Cloudflare API token",
    "developers.cloudflare.com/fundamentals/api/get-started/create-token",
    (s) => seeded(s, 40),
    (k) => `CF_API_TOKEN=${k}`,
  ),
  plain(
    "Cloudflare global API key",
    "developers.cloudflare.com/fundamentals/api/get-started/keys",
    (s) => seeded(s, 37, HEX),
    (k) => `CLOUDFLARE_API_KEY="${k}"`,
  ),
  plain(
    "Cloudflare tunnel token",
    "developers.cloudflare.com/cloudflare-one/connections/connect-networks (tunnel token)",
    (s) =>
      Buffer.from(`{"a":"${seeded(s, 32, HEX)}","t":"${uuid(s + 1)}","s":"${b64(s + 2, 32)}"}`).toString(
        "base64",
      ),
    (k) => `cloudflared tunnel run --token ${k}`,
  ),
  plain(
    "Cloudflare tunnel credentials file",
    "developers.cloudflare.com/cloudflare-one/connections/connect-networks (credentials file)",
    (s) => b64(s, 32),
    (k) => `{"AccountTag":"${seeded(1, 32, HEX)}","TunnelSecret":"${k}","TunnelID":"${uuid(2)}"}`,
  ),
  plain(
    "JWT service account token",
    "kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin",
    (s) =>
      `eyJhbGciOiJSUzI1NiIsImtpZCI6${seeded(s, 20)}.eyJpc3MiOiJrdWJlcm5ldGVzL3Nl${seeded(s + 1, 60)}.${seeded(s + 2, 86)}`,
    (k) => `kubectl --token=${k} get pods`,
  ),
  // Proxmox VE
  plain(
    "Proxmox API token header",
    "pve.proxmox.com/wiki/Proxmox_VE_API#API_Tokens",
    uuid,
    (k) => `Authorization: PVEAPIToken=root@pam!orchestrator=${k}`,
  ),
  plain(
    "Proxmox pveum token add table",
    "pveum(1) user token add (table output)",
    uuid,
    (k) =>
      `┌──────────────┬──────────────────────────────────────┐\n│ key          │ value                                │\n╞══════════════╪══════════════════════════════════════╡\n│ full-tokenid │ root@pam!ci                          │\n├──────────────┼──────────────────────────────────────┤\n│ info         │ {"privsep":1}                        │\n├──────────────┼──────────────────────────────────────┤\n│ value        │ ${k} │\n└──────────────┴──────────────────────────────────────┘`,
  ),
  plain(
    "Proxmox pvesh token JSON",
    "pvesh(1) create /access/users/{userid}/token/{tokenid} --output-format json",
    uuid,
    (k) => `{"full-tokenid":"root@pam!ci","info":{"privsep":"1"},"value":"${k}"}`,
  ),
  plain(
    "Proxmox pvesh token YAML",
    "pvesh(1) create /access/users/{userid}/token/{tokenid} --output-format yaml",
    uuid,
    (k) => `---\nfull-tokenid: root@pam!ci\ninfo:\n  privsep: '1'\nvalue: ${k}`,
  ),
  plain(
    "Proxmox token.cfg line",
    "pve-access-control: /etc/pve/priv/token.cfg",
    uuid,
    (k) => `root@pam!ci ${k}`,
  ),
  plain(
    "Proxmox auth cookie",
    "pve.proxmox.com/wiki/Proxmox_VE_API#Authentication",
    (s) => `PVE:root@pam:65A1B2C3::${b64(s, 200)}`,
    (k) => `curl -b "PVEAuthCookie=${k}" https://pve:8006/api2/json/nodes`,
  ),
  plain(
    "Proxmox ticket in JSON",
    "pve.proxmox.com/wiki/Proxmox_VE_API#Authentication",
    (s) => `PVE:root@pam:65A1B2C3::${b64(s, 200)}`,
    (k) => `{"data":{"ticket":"${k}","username":"root@pam"}}`,
  ),
  plain(
    "Proxmox CSRF token",
    "pve.proxmox.com/wiki/Proxmox_VE_API#Authentication",
    (s) => `65A1B2C3:${seeded(s, 43, BASE64)}`,
    (k) => `CSRFPreventionToken: ${k}`,
  ),
  plain(
    "PROXMOX_TOKEN_SECRET variable",
    "this tool's cluster file (token secret variable)",
    uuid,
    (k) => `PROXMOX_TOKEN_SECRET=${k}`,
  ),
  plain(
    "Terraform pm_api_token_secret",
    "registry.terraform.io/providers/Telmate/proxmox (provider arguments)",
    uuid,
    (k) => `pm_api_token_secret = "${k}"`,
  ),
  plain(
    "bpg/proxmox api_token",
    "registry.terraform.io/providers/bpg/proxmox (provider arguments)",
    uuid,
    (k) => `api_token = "root@pam!tofu=${k}"`,
  ),
  plain(
    "pveum user add --password",
    "pveum(1) user add",
    password,
    (k) => `pveum user add ci@pve --password '${k}'`,
  ),
  // Talos and Kubernetes
  plain(
    "Talos machine token",
    "siderolabs/talos machine config: machine.token",
    (s) =>
      `${seeded(s, 6, "abcdefghijklmnopqrstuvwxyz0123456789")}.${seeded(s + 1, 16, "abcdefghijklmnopqrstuvwxyz0123456789")}`,
    (k) => `machine:\n    type: controlplane\n    token: ${k}`,
  ),
  plain(
    "Talos cluster secret",
    "siderolabs/talos machine config: cluster.secret",
    (s) => b64(s, 32),
    (k) => `cluster:\n    secret: ${k}`,
  ),
  plain(
    "Talos secretbox encryption secret",
    "siderolabs/talos machine config: cluster.secretboxEncryptionSecret",
    (s) => b64(s, 32),
    (k) => `    secretboxEncryptionSecret: ${k}`,
  ),
  plain(
    "Talos secrets bundle bootstrap token",
    "talosctl gen secrets (secrets.yaml)",
    (s) =>
      `${seeded(s, 6, "abcdefghijklmnopqrstuvwxyz0123456789")}.${seeded(s + 1, 16, "abcdefghijklmnopqrstuvwxyz0123456789")}`,
    (k) => `secrets:\n    bootstraptoken: ${k}`,
  ),
  plain(
    "Talos trustd token",
    "talosctl gen secrets (secrets.yaml trustdinfo)",
    (s) =>
      `${seeded(s, 6, "abcdefghijklmnopqrstuvwxyz0123456789")}.${seeded(s + 1, 16, "abcdefghijklmnopqrstuvwxyz0123456789")}`,
    (k) => `trustdinfo:\n    token: ${k}`,
  ),
  plain(
    "talosconfig key",
    "talosctl config (talosconfig contexts)",
    (s) =>
      Buffer.from(
        `-----BEGIN ED25519 PRIVATE KEY-----\n${seeded(s, 64, BASE64)}\n-----END ED25519 PRIVATE KEY-----\n`,
      ).toString("base64"),
    (k) => `contexts:\n    lab:\n        key: ${k}`,
  ),
  plain(
    "kubeconfig client-key-data",
    "kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig",
    (s) => b64(s, 120),
    (k) => `    client-key-data: ${k}`,
  ),
  plain(
    "kubeconfig static token",
    "kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig",
    (s) => seeded(s, 40),
    (k) => `users:\n- name: admin\n  user:\n    token: ${k}`,
  ),
  plain(
    "Kubernetes Secret stringData",
    "kubernetes.io/docs/concepts/configuration/secret",
    password,
    (k) =>
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  username: grafana\n  dbkey: ${k}`,
  ),
  plain(
    "Kubernetes Secret data",
    "kubernetes.io/docs/concepts/configuration/secret",
    (s) => b64(s, 12),
    (k) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  database: ${k}`,
  ),
  plain(
    "kubectl create secret --from-literal",
    "kubectl create secret generic --help",
    password,
    (k) => `kubectl create secret generic db --from-literal=DB_USER=grafana --from-literal=ROOT=${k}`,
  ),
  plain(
    "kubeadm --certificate-key",
    "kubeadm init phase upload-certs --help",
    (s) => seeded(s, 64, HEX),
    (k) => `kubeadm join 10.0.0.10:6443 --control-plane --certificate-key ${k}`,
  ),
  plain(
    "kubeadm join token",
    "kubeadm token --help",
    (s) =>
      `${seeded(s, 6, "abcdefghijklmnopqrstuvwxyz0123456789")}.${seeded(s + 1, 16, "abcdefghijklmnopqrstuvwxyz0123456789")}`,
    (k) => `kubeadm join 10.0.0.10:6443 --token ${k}`,
  ),
  plain(
    "helm --set adminPassword",
    "helm install --help (--set)",
    password,
    (k) => `helm upgrade --install grafana grafana/grafana --set grafana.adminPassword=${k}`,
  ),
  plain(
    "helm --set-string auth.password",
    "helm install --help (--set-string)",
    password,
    (k) => `helm install redis bitnami/redis --set-string auth.password=${k}`,
  ),
  plain(
    "Helm values adminPassword",
    "grafana/helm-charts values.yaml (adminPassword)",
    password,
    (k) => `grafana:\n  adminUser: admin\n  adminPassword: ${k}`,
  ),
  plain(
    "Flux git secret --password",
    "fluxcd.io/flux/cmd/flux_create_secret_git",
    password,
    (k) => `flux create secret git lab --url=https://git.lab --username=flux --password=${k}`,
  ),
  // Environment and config files
  plain("DB_PASS variable", "12factor.net/config (env files)", password, (k) => `DB_PASS=${k}`),
  plain("SMTP_PASS variable", "12factor.net/config (env files)", password, (k) => `SMTP_PASS=${k}`),
  plain(
    "MYSQL_ROOT_PASSWORD",
    "hub.docker.com/_/mysql (environment variables)",
    password,
    (k) => `MYSQL_ROOT_PASSWORD=${k}`,
  ),
  plain(
    "compose POSTGRES_PASSWORD list",
    "docs.docker.com/compose/environment-variables",
    password,
    (k) => `    environment:\n      - POSTGRES_PASSWORD=${k}`,
  ),
  plain(
    "compose flow mapping",
    "docs.docker.com/compose/environment-variables",
    password,
    (k) => `environment: { DB_USER: app, DB_PASSWORD: ${k} }`,
  ),
  plain(
    "PGPASSWORD",
    "postgresql.org/docs/current/libpq-envars.html",
    password,
    (k) => `PGPASSWORD=${k} psql -h db -U app`,
  ),
  plain(
    "MinIO root password",
    "min.io/docs/minio/linux/reference/minio-server/settings/root-credentials.html",
    password,
    (k) => `MINIO_ROOT_PASSWORD=${k}`,
  ),
  plain(
    "restic password",
    "restic.readthedocs.io (RESTIC_PASSWORD)",
    password,
    (k) => `export RESTIC_PASSWORD="${k}"`,
  ),
  plain(
    "Renovate token",
    "docs.renovatebot.com/self-hosted-configuration (RENOVATE_TOKEN)",
    (s) => seeded(s, 40),
    (k) => `RENOVATE_TOKEN=${k}`,
  ),
  plain(
    "Django SECRET_KEY",
    "docs.djangoproject.com/en/stable/ref/settings/#secret-key",
    (s) => seeded(s, 50, `${ALNUM}!@#%^&*(-_=+)`),
    (k) => `SECRET_KEY = '${k}'`,
  ),
  plain(
    "Rails SECRET_KEY_BASE",
    "guides.rubyonrails.org/security.html (secret_key_base)",
    (s) => seeded(s, 128, HEX),
    (k) => `SECRET_KEY_BASE=${k}`,
  ),
  plain(
    "Ansible YAML password",
    "docs.ansible.com/ansible/latest/inventory_guide (ansible_password)",
    password,
    (k) => `all:\n  hosts:\n    pve:\n      ansible_user: root\n      ansible_password: ${k}`,
  ),
  plain(
    "Ansible INI ssh pass",
    "docs.ansible.com/ansible/latest/inventory_guide (ansible_ssh_pass)",
    password,
    (k) => `pve ansible_host=10.0.0.2 ansible_ssh_pass=${k}`,
  ),
  plain(
    "Ansible become password",
    "docs.ansible.com/ansible/latest/inventory_guide (ansible_become_pass)",
    password,
    (k) => `ansible_become_pass: "${k}"`,
  ),
  plain(
    "INI pass =",
    "INI files (e.g. fetchmail, smb credentials)",
    password,
    (k) => `[smtp]\nuser = alerts\npass = ${k}`,
  ),
  plain(
    "INI password with spaces",
    "INI files (e.g. rclone.conf)",
    () => "correct horse battery staple",
    (k) => `[remote]\npassword = ${k}`,
  ),
  plain("TOML password", "toml.io (string values)", password, (k) => `[database]\npassword = "${k}"`),
  plain(
    "HCL password",
    "developer.hashicorp.com/terraform/language/values/variables",
    password,
    (k) => `  password = "${k}"`,
  ),
  plain(
    "tfstate sensitive value",
    "developer.hashicorp.com/terraform/language/state/sensitive-data",
    password,
    (k) => `        "attributes": {\n          "password": "${k}",`,
  ),
  plain(
    "XML password element",
    "XML configs (e.g. Jenkins credentials.xml)",
    password,
    (k) => `<credentials><username>ci</username><password>${k}</password></credentials>`,
  ),
  plain(
    ".NET appSettings password",
    "learn.microsoft.com/dotnet/framework/configure-apps/file-schema/appsettings",
    password,
    (k) => `<add key="DbPassword" value="${k}" />`,
  ),
  plain(
    "Java properties password",
    "docs.spring.io/spring-boot (spring.datasource.password)",
    password,
    (k) => `spring.datasource.password=${k}`,
  ),
  plain(
    "npmrc auth token",
    "docs.npmjs.com/cli/configuring-npm/npmrc",
    (s) => seeded(s, 36),
    (k) => `//npm.lab/:_authToken=${k}`,
  ),
  plain(
    "Azure storage AccountKey",
    "learn.microsoft.com/azure/storage/common/storage-configure-connection-string",
    (s) => `${b64(s, 64)}`,
    (k) => `DefaultEndpointsProtocol=https;AccountName=lab;AccountKey=${k};EndpointSuffix=core.windows.net`,
  ),
  plain(
    "ADO connection string Password",
    "learn.microsoft.com/dotnet/framework/data/adonet/connection-strings",
    password,
    (k) => `Server=db;Database=app;User Id=app;Password=${k};`,
  ),
  plain(
    "Home Assistant token",
    "developers.home-assistant.io/docs/auth_api/#long-lived-access-token",
    (s) => `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOi${seeded(s, 60)}.${seeded(s + 1, 43)}`,
    (k) => `long_lived_access_token: ${k}`,
  ),
  plain(
    "OIDC client secret flag",
    "oauth2-proxy --help (--client-secret)",
    (s) => seeded(s, 32),
    (k) => `oauth2-proxy --client-id=lab --client-secret=${k}`,
  ),
  plain(
    "webhook secret flag",
    "fluxcd.io/flux/cmd/flux_create_receiver (--secret-ref / token)",
    (s) => seeded(s, 24),
    (k) => `receiver --webhook-secret ${k}`,
  ),
  // URLs with credentials
  plain(
    "redis URL with empty user",
    "redis.io/docs/latest/develop/clients (redis:// URLs)",
    password,
    (k) => `REDIS_URL=redis://:${k}@redis.lab:6379/0`,
  ),
  plain(
    "postgres URL with @ in password",
    "postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS",
    (s) => `${seeded(s, 6)}@${seeded(s + 1, 6)}`,
    (k) => `DATABASE_URL=postgres://app:${k}@db.lab:5432/app`,
  ),
  plain(
    "mongodb+srv URL",
    "mongodb.com/docs/manual/reference/connection-string",
    password,
    (k) => `mongodb+srv://app:${k}@cluster0.lab/db?retryWrites=true`,
  ),
  plain("amqp URL", "rabbitmq.com/docs/uri-spec", password, (k) => `amqp://guest:${k}@rabbit:5672/`),
  plain(
    ".git-credentials",
    "git-scm.com/docs/git-credential-store",
    (s) => seeded(s, 40),
    (k) => `https://flux:${k}@git.lab`,
  ),
  plain(
    "pip index URL",
    "pip.pypa.io/en/stable/topics/authentication",
    password,
    (k) => `pip install --index-url https://ci:${k}@pypi.lab/simple pkg`,
  ),
  // Command lines
  plain(
    "curl -u user:pw",
    "curl.se/docs/manpage.html#-u",
    password,
    (k) => `curl -fsS -u admin:${k} https://pve.lab:8006/`,
  ),
  plain(
    "curl --user=user:pw",
    "curl.se/docs/manpage.html#-u",
    password,
    (k) => `curl --user=admin:${k} https://nas.lab/`,
  ),
  plain(
    "mysql -pPW",
    "dev.mysql.com/doc/refman/8.0/en/connection-options.html#option_general_password",
    password,
    (k) => `mysql -uroot -p${k} -h db`,
  ),
  plain(
    "mysqldump -p'PW'",
    "dev.mysql.com/doc/refman/8.0/en/mysqldump.html",
    password,
    (k) => `mysqldump -u root -p'${k}' --all-databases`,
  ),
  plain("sshpass -p", "sshpass(1)", password, (k) => `sshpass -p ${k} ssh root@pve.lab`),
  plain(
    "redis-cli -a",
    "redis.io/docs/latest/develop/tools/cli",
    password,
    (k) => `redis-cli -h redis -a ${k} ping`,
  ),
  plain(
    "docker login -p",
    "docs.docker.com/reference/cli/docker/login",
    password,
    (k) => `docker login -u ci -p ${k} registry.lab`,
  ),
  plain(
    "Docker config auth",
    "docs.docker.com/reference/cli/docker/login (credential store)",
    (s) => Buffer.from(`ci:${seeded(s, 12)}`).toString("base64"),
    (k) => `{"auths":{"registry.lab":{"auth":"${k}"}}}`,
  ),
  plain(
    "redis.conf requirepass",
    "redis.io/docs/latest/operate/oss_and_stack/management/config-file",
    password,
    (k) => `requirepass ${k}`,
  ),
  plain(
    ".netrc password",
    "gnu.org/software/inetutils/manual/html_node/The-_002enetrc-file.html",
    password,
    (k) => `machine nas.lab login backup password ${k}`,
  ),
  plain(
    "--password flag quoted",
    "common CLI convention (--password)",
    () => "p@ss w0rd with spaces",
    (k) => `vault login -method=userpass username=ci --password "${k}"`,
  ),
  // HTTP headers
  plain(
    "Authorization Basic",
    "rfc-editor.org/rfc/rfc7617",
    (s) => Buffer.from(`admin:${seeded(s, 12)}`).toString("base64"),
    (k) => `> Authorization: Basic ${k}`,
  ),
  plain(
    "Authorization Bearer",
    "rfc-editor.org/rfc/rfc6750",
    (s) => seeded(s, 40),
    (k) => `Authorization: Bearer ${k}`,
  ),
  plain(
    "X-API-Key header",
    "common API convention (X-API-Key)",
    (s) => seeded(s, 32),
    (k) => `-H 'X-API-Key: ${k}'`,
  ),
  plain(
    "Cookie header",
    "rfc-editor.org/rfc/rfc6265",
    (s) => seeded(s, 32),
    (k) => `Cookie: session=${k}; theme=dark`,
  ),
  plain(
    "Set-Cookie header",
    "rfc-editor.org/rfc/rfc6265",
    (s) => seeded(s, 32),
    (k) => `< Set-Cookie: grafana_session=${k}; Path=/; HttpOnly`,
  ),
  // Keys and certificates
  plain(
    "RSA private key",
    "rfc-editor.org/rfc/rfc7468 (PEM)",
    (s) => pemBody(s, 4),
    (k) => `-----BEGIN RSA PRIVATE KEY-----\n${k}\n-----END RSA PRIVATE KEY-----`,
  ),
  plain(
    "OpenSSH private key",
    "openssh PROTOCOL.key",
    (s) => pemBody(s, 3),
    (k) => `-----BEGIN OPENSSH PRIVATE KEY-----\n${k}\n-----END OPENSSH PRIVATE KEY-----`,
  ),
  plain(
    "PGP private key block",
    "rfc-editor.org/rfc/rfc4880 (ASCII armor)",
    (s) => pemBody(s, 3),
    (k) => `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${k}\n-----END PGP PRIVATE KEY BLOCK-----`,
  ),
  plain(
    "private key in JSON",
    "cloud.google.com/iam/docs/keys-create-delete (service account key file)",
    (s) => seeded(s, 64, BASE64),
    (k) =>
      `{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\\n${k}\\n-----END PRIVATE KEY-----\\n"}`,
  ),
  plain(
    "private key cut by a log tail",
    "rfc-editor.org/rfc/rfc7468 (PEM)",
    (s) => pemBody(s, 2),
    (k) => `[... 4096 bytes cut ...]\n${k}\n-----END PRIVATE KEY-----`,
  ),
  plain(
    "WireGuard private key",
    "wireguard.com/quickstart (wg-quick config)",
    (s) => b64(s, 32),
    (k) => `[Interface]\nPrivateKey = ${k}`,
  ),
  plain(
    "WireGuard preshared key",
    "wireguard.com/quickstart (wg-quick config)",
    (s) => b64(s + 1, 32),
    (k) => `[Peer]\nPresharedKey = ${k}`,
  ),
  plain(
    "bcrypt hash",
    "httpd.apache.org/docs/current/programs/htpasswd.html",
    (s) => `$2y$05$${seeded(s, 53, `${ALNUM}./`)}`,
    (k) => `users:\n  - "admin:${k}"`,
  ),
  plain(
    "SHA-512 crypt hash",
    "man7.org/linux/man-pages/man3/crypt.3.html",
    (s) => `$6$${seeded(s, 16)}$${seeded(s + 1, 86, `${ALNUM}./`)}`,
    (k) => `root:${k}:19000:0:99999:7:::`,
  ),
  // YAML and value shapes the old redactor missed
  plain(
    "YAML password on the next line",
    "yaml.org/spec/1.2.2 (plain multi-line scalars)",
    password,
    (k) => `db:\n  password:\n    ${k}\n  host: db.lab`,
  ),
  plain(
    "YAML password block scalar",
    "yaml.org/spec/1.2.2 (literal block scalar)",
    password,
    (k) => `db:\n  password: |\n    ${k}\n  host: db.lab`,
  ),
  plain(
    "YAML password folded scalar",
    "yaml.org/spec/1.2.2 (folded block scalar)",
    password,
    (k) => `smtp:\n  password: >-\n    ${k}\n  port: 587`,
  ),
  plain(
    "value starting with $",
    "any KEY=VALUE file",
    (s) => `$${seeded(s, 10).toLowerCase()}!9`,
    (k) => `DB_PASSWORD=${k}`,
  ),
  plain(
    "value starting with $ in YAML",
    "any YAML file",
    (s) => `$${seeded(s, 12)}`,
    (k) => `adminPassword: '${k}'`,
  ),
  plain(
    "value with {",
    "any KEY=VALUE file",
    (s) => `${seeded(s, 6)}{${seeded(s + 1, 6)}}`,
    (k) => `password=${k}`,
  ),
  plain(
    "value with &",
    "any KEY=VALUE file",
    (s) => `${seeded(s, 6)}&${seeded(s + 1, 6)}`,
    (k) => `SMTP_PASSWORD=${k}`,
  ),
  plain(
    "value with ;",
    "any KEY=VALUE file",
    (s) => `${seeded(s, 6)};${seeded(s + 1, 6)}`,
    (k) => `token=${k}`,
  ),
  plain(
    "YAML value with spaces",
    "any YAML file",
    () => "tr0ub4dor and 3 more words",
    (k) => `password: ${k}`,
  ),
  plain(
    "value with @",
    "any KEY=VALUE file",
    (s) => `${seeded(s, 6)}@${seeded(s + 1, 6)}`,
    (k) => `password=${k}`,
  ),
  plain(
    "JSON value with escaped quote",
    "rfc-editor.org/rfc/rfc8259",
    (s) => `${seeded(s, 6)}\\"${seeded(s + 1, 6)}`,
    (k) => `{"password": "${k}", "user": "app"}`,
  ),
  plain(
    "logfmt password",
    "brandur.org/logfmt",
    password,
    (k) => `level=debug msg=connect password=${k} user=app`,
  ),
  plain(
    "high-entropy value without a key",
    "any log line",
    (s) => seeded(s, 44, BASE64),
    (k) => `rotating value ${k} now`,
  ),
];
