/**
 * Every test's git (the tool's own git calls included, which inherit the environment) ignores
 * the machine's configuration and has an identity, so tests behave the same on every machine.
 * Set once per test worker here, not as a side effect of importing a fixture.
 */
import { GIT_ENV } from "../helpers/homelab-repo.ts";

Object.assign(process.env, GIT_ENV);
