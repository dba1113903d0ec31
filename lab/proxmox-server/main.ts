import { existsSync } from "node:fs";
import { newLabWorld, worldFileFromEnv, writeWorld } from "../world/index.ts";
import { startLabProxmoxServer } from "./index.ts";

/**
 * `node dist/lab/proxmox-server/main.js`: runs the lab Proxmox until interrupted and prints its URL.
 * Env: LAB_WORLD (world file; a stock one is written when missing), LAB_PROXMOX_TOKEN_ID,
 * LAB_PROXMOX_TOKEN_SECRET, LAB_PROXMOX_PORT (default: any free port).
 */
const worldFile = worldFileFromEnv();
if (!existsSync(worldFile)) {
  writeWorld(worldFile, newLabWorld());
}
const server = await startLabProxmoxServer({
  worldFile,
  token: {
    id: process.env["LAB_PROXMOX_TOKEN_ID"] ?? "automation@pve!orchestrator",
    secret: process.env["LAB_PROXMOX_TOKEN_SECRET"] ?? "6f2c1a3e-8d1b-4c5e-9a7f-0b1c2d3e4f50",
  },
  port: Number(process.env["LAB_PROXMOX_PORT"] ?? 0),
});
process.stdout.write(`${server.url}\n`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
