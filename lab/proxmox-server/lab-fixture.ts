import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LAB_TOKEN } from "../sandbox/index.ts";
import { type LabWorldOptions, newLabWorld, updateWorld, type World, writeWorld } from "../world/index.ts";
import { type LabProxmoxServer, type LabToken, startLabProxmoxServer } from "./index.ts";

/** For tests: a fresh world in a temporary folder and a lab Proxmox serving it. */
export interface LabFixture {
  readonly dir: string;
  readonly worldFile: string;
  readonly server: LabProxmoxServer;
  readonly token: LabToken;
  change(edit: (world: World) => void): void;
  close(): Promise<void>;
}

export { LAB_TOKEN };

export async function startLabFixture(
  options: LabWorldOptions & { extraTokens?: readonly LabToken[] } = {},
): Promise<LabFixture> {
  const dir = await mkdtemp(join(tmpdir(), "lab-proxmox-"));
  const worldFile = join(dir, "world.json");
  writeWorld(worldFile, newLabWorld(options));
  const server = await startLabProxmoxServer({
    worldFile,
    token: LAB_TOKEN,
    ...(options.extraTokens ? { extraTokens: options.extraTokens } : {}),
  });
  return {
    dir,
    worldFile,
    server,
    token: LAB_TOKEN,
    change: (edit) => updateWorld(worldFile, edit),
    close: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
