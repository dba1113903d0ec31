import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readSecretValues, redactorForRepo } from "./index.ts";

// Seeded values, valid nowhere.
const CLUSTER_SECRET = "3xW+vv0Fyv9sJq2YZqRr0pWcDTqRrDfQdlzYU2hHqvo=";
const BOOTSTRAP_TOKEN = "ee07jh.vxsg9wunxtasjwes";
const AESCBC = "z01mye6j16bspJYtTB/5SFX8j7Ahonp9JN+LY3j+g+c=";
const ENV_PASSWORD = "hunter2-Correct-Horse";
const TFVARS_SECRET = "4f9c2a7e-1b3d-4c5e-8f6a-9b0c1d2e3f4a";
const PRIVATE_NOTE = "s3cr3t-n0te-V4lue";
const PEM_LINE = "MHcCAQEEINMHKP0jlD2CPKRpRr9UcOoNPZ9S7OqlmonhHS217nTNoAoGCCqGSM49";

let repo: string;

beforeEach(async () => {
  repo = await mkdtemp(join(tmpdir(), "secret-values-"));
  await mkdir(join(repo, "talos", "clusterconfig"), { recursive: true });
  await mkdir(join(repo, "infrastructure", "proxmox"), { recursive: true });
  await mkdir(join(repo, "private"), { recursive: true });
  await mkdir(join(repo, "node_modules", "x"), { recursive: true });
  await writeFile(join(repo, ".gitignore"), "talos/secrets.yaml\n.env\n*.tfvars\ntalos/clusterconfig/\n");
  await writeFile(
    join(repo, "talos", "secrets.yaml"),
    [
      "cluster:",
      "    id: Vm8gOFGr6BE1YlJYfRw43lFcVFcW7zz4E0R3M2CqPr8=",
      `    secret: ${CLUSTER_SECRET}`,
      "secrets:",
      `    bootstraptoken: ${BOOTSTRAP_TOKEN}`,
      `    aescbcencryptionsecret: ${AESCBC}`,
      "trustdinfo:",
      "    token: abc",
    ].join("\n"),
  );
  await writeFile(
    join(repo, "talos", "clusterconfig", "lab-cp1.yaml"),
    [
      "version: v1alpha1",
      "machine:",
      "    type: controlplane",
      "    install:",
      "        disk: /dev/sda",
      "        image: factory.talos.dev/installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:v1.12.0",
      "    ca:",
      "        key: |",
      "            -----BEGIN EC PRIVATE KEY-----",
      `            ${PEM_LINE}`,
      "            -----END EC PRIVATE KEY-----",
      "cluster:",
      "    controlPlane:",
      "        endpoint: https://10.0.0.10:6443",
    ].join("\n"),
  );
  await writeFile(join(repo, ".env"), `export DB_PASS="${ENV_PASSWORD}"\nPORT=8080\nDEBUG=true\n`);
  await writeFile(
    join(repo, "infrastructure", "proxmox", "terraform.tfvars"),
    `pm_api_url = "https://pve.lab:8006/api2/json"\npm_api_token_secret = "${TFVARS_SECRET}"\n`,
  );
  await writeFile(join(repo, "private", "notes.md"), `note: ${PRIVATE_NOTE}\n`);
  await writeFile(join(repo, "README.md"), "password: not-in-a-secret-file-12345\n");
  await writeFile(join(repo, "node_modules", "x", ".env"), "TOKEN=from-a-dependency-xyz\n");
});

afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe("readSecretValues", () => {
  it("reads the values of ignored secret files and the context map's own secret globs", async () => {
    const found = await readSecretValues(repo, ["private/**"]);
    expect(found.files).toEqual([
      ".env",
      "infrastructure/proxmox/terraform.tfvars",
      "private/notes.md",
      "talos/clusterconfig/lab-cp1.yaml",
      "talos/secrets.yaml",
    ]);
    for (const value of [
      CLUSTER_SECRET,
      BOOTSTRAP_TOKEN,
      AESCBC,
      ENV_PASSWORD,
      TFVARS_SECRET,
      PRIVATE_NOTE,
      PEM_LINE,
    ]) {
      expect(found.values).toContain(value);
    }
    expect(found.unreadable).toEqual([]);
  });

  it("leaves out configuration that appears in every log: types, versions, addresses, paths, short values", async () => {
    const { values } = await readSecretValues(repo, []);
    for (const value of [
      "controlplane",
      "v1alpha1",
      "/dev/sda",
      "https://10.0.0.10:6443",
      "8080",
      "true",
      "abc",
    ]) {
      expect(values).not.toContain(value);
    }
    expect(values.some((value) => value.startsWith("factory.talos.dev/installer/"))).toBe(false);
  });

  it("never reads a file outside the secret globs, under node_modules or behind a symlink", async () => {
    await symlink(join(repo, "README.md"), join(repo, "talosconfig"));
    const { values, files } = await readSecretValues(repo, []);
    expect(values).not.toContain("not-in-a-secret-file-12345");
    expect(values).not.toContain("from-a-dependency-xyz");
    expect(files).not.toContain("talosconfig");
  });

  it("finds nothing, and no error, in a folder that does not exist", async () => {
    expect(await readSecretValues(join(repo, "missing"), [])).toEqual({
      values: [],
      files: [],
      unreadable: [],
    });
  });
});

describe("redactorForRepo", () => {
  it("masks the repo's secret values and the environment's credentials wherever they appear, in any encoding", async () => {
    const { redactor } = await redactorForRepo({
      repoRoot: repo,
      secretGlobs: [],
      env: { OPENAI_API_KEY: "not-a-shape-but-a-key-0001", PATH: "/usr/bin" },
    });
    const text = [
      `stage output: connecting with ${ENV_PASSWORD}`,
      `echo ${Buffer.from(BOOTSTRAP_TOKEN).toString("base64")}`,
      `url: https://x/?p=${encodeURIComponent(ENV_PASSWORD)}&q=1`,
      "the model key not-a-shape-but-a-key-0001 leaked",
      `embedded: ${Buffer.from(`{"pw":"${TFVARS_SECRET}"}`).toString("base64")}`,
    ].join("\n");
    const out = redactor.redact(text);
    expect(out).not.toContain(ENV_PASSWORD);
    expect(out).not.toContain(encodeURIComponent(ENV_PASSWORD));
    expect(out).not.toContain(Buffer.from(BOOTSTRAP_TOKEN).toString("base64"));
    expect(out).not.toContain("not-a-shape-but-a-key-0001");
    expect(out).toContain("stage output: connecting with [REDACTED:known-secret#");
    expect(out).toContain("the model key [REDACTED:known-secret#");
    expect(out).not.toContain(Buffer.from(`{"pw":"${TFVARS_SECRET}"}`).toString("base64"));
  });
});
