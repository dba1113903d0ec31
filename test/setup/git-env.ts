/**
 * Every test's git (the tool's own git calls included, which inherit the environment) ignores
 * the machine's configuration and has an identity, so tests behave the same on every machine.
 * Set once per test file here, not as a side effect of importing a fixture.
 *
 * The AI worktrees live under the user's state directory ($XDG_STATE_HOME): each test file gets
 * its own, removed after the file, so tests never write into the real ~/.local/state.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { GIT_ENV } from "../helpers/homelab-repo.ts";

Object.assign(process.env, GIT_ENV);

const stateHome = mkdtempSync(join(tmpdir(), "orchestrator-state-home-"));
process.env["XDG_STATE_HOME"] = stateHome;
afterAll(() => {
  rmSync(stateHome, { recursive: true, force: true });
});
