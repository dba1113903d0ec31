import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProxmoxClient, type ProxmoxTls } from "./index.ts";

/** Real TLS needs a real certificate; openssl makes a self-signed one, as a fresh Proxmox has. */
function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe.runIf(hasOpenssl())("the Proxmox client's TLS options", () => {
  let dir: string;
  let server: Server;
  let url: string;
  let cert: string;
  let fingerprint: string;
  const seenAuthorization: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "proxmox-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    cert = readFileSync(join(dir, "cert.pem"), "utf8");
    fingerprint = new X509Certificate(cert).fingerprint256;
    server = createServer({ key: readFileSync(join(dir, "key.pem")), cert }, (request, response) => {
      seenAuthorization.push(request.headers.authorization ?? "");
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ data: { version: "8.3.2", release: "8.3" } }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/api2/json`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const clientWith = (tls: ProxmoxTls) =>
    new ProxmoxClient({ endpoint: url, tokenId: "automation@pve!orchestrator", tokenSecret: "s3cret", tls });

  it("refuses a self-signed certificate unless told how to trust it", async () => {
    await expect(clientWith({}).version()).rejects.toThrow(/no answer: self[- ]signed certificate/);
  });

  it("trusts a pinned CA", async () => {
    expect((await clientWith({ ca: cert }).version()).version).toBe("8.3.2");
  });

  it("trusts a pinned fingerprint, written as the Proxmox GUI shows it", async () => {
    expect((await clientWith({ fingerprint }).version()).version).toBe("8.3.2");
  });

  it("sends no token to a server whose fingerprint does not match", async () => {
    const before = seenAuthorization.length;
    const wrong = `${"AB:".repeat(31)}AB`;
    await expect(clientWith({ fingerprint: wrong }).version()).rejects.toThrow(
      /certificate's SHA-256 fingerprint is [0-9a-f]{64}, not the pinned (ab){32}/,
    );
    expect(seenAuthorization.length).toBe(before);
  });

  it("skips checks only when insecure is asked for", async () => {
    expect((await clientWith({ insecure: true }).version()).version).toBe("8.3.2");
    expect(seenAuthorization.at(-1)).toBe("PVEAPIToken=automation@pve!orchestrator=s3cret");
  });
});
