import { describe, expect, it } from "vitest";
import { TemplateMiner } from "./miner.ts";

describe("TemplateMiner", () => {
  it("keeps a group's id while its template widens", () => {
    const miner = new TemplateMiner();
    const first = miner.add("cannot open /srv/data/alpha.db: permission denied");
    const second = miner.add("cannot open /srv/data/beta.db: permission denied");
    expect(first.template).toBe("cannot open /srv/data/alpha.db: permission denied");
    expect(second.group).toBe(first.group);
    expect(second.template).toBe("cannot open <*> permission denied");
  });

  it("keeps two statements that differ in one plain word apart until the word shows it varies", () => {
    const miner = new TemplateMiner();
    const started = miner.learn("VM Started (Lifecycle Event)");
    const paused = miner.learn("VM Paused (Lifecycle Event)");
    expect(miner.resolve(started).group).not.toBe(miner.resolve(paused).group);
    const users = ["root", "admin", "guest", "oracle"].map((user) =>
      miner.learn(`session opened for user ${user}`),
    );
    const groups = new Set(users.map((handle) => miner.resolve(handle).group));
    expect(groups.size).toBe(1);
    expect(miner.resolve(users[0] ?? 0).template).toBe("session opened for user <*>");
  });

  it("keeps a rare variant of a word that stayed constant over many lines in its own group", () => {
    const miner = new TemplateMiner();
    const hosts = Array.from({ length: 20 }, (_, k) =>
      miner.learn(
        `authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.${k + 1}`,
      ),
    );
    const localLogin = miner.learn("authentication failure; logname= uid=0 euid=0 tty=:0 ruser= rhost=");
    const groups = new Set(hosts.map((handle) => miner.resolve(handle).group));
    expect(groups.size).toBe(1);
    expect(miner.resolve(localLogin).group).not.toBe(miner.resolve(hosts[0] ?? 0).group);
    expect(miner.resolve(hosts[0] ?? 0).template).toContain("tty=NODEVssh");
  });

  it("does not fold a variant that also differs in a word-carrying token when a place widens", () => {
    const miner = new TemplateMiner();
    const su = ["cyrus", "news", "test", "cyrus", "news"].map((user) =>
      miner.learn(`session opened for user ${user} by (uid=0)`),
    );
    const login = miner.learn("session opened for user root by LOGIN(uid=0)");
    const more = miner.learn("session opened for user admin by (uid=500)");
    const groups = new Set([...su, more].map((handle) => miner.resolve(handle).group));
    expect(groups.size).toBe(1);
    expect(miner.resolve(login).group).not.toBe(miner.resolve(more).group);
    expect(miner.resolve(more).template).toBe("session opened for user <*> by (uid=<*>)");
  });

  it("groups a variable part whose length varies", () => {
    const miner = new TemplateMiner();
    const a = miner.add("proxy.example.org:5070 close, 0 bytes sent, 0 bytes received, lifetime 00:01");
    const b = miner.add(
      "proxy.example.org:5070 close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received, lifetime <1 sec",
    );
    expect(b.group).toBe(a.group);
  });

  it("matches without learning", () => {
    const miner = new TemplateMiner();
    miner.add("Received disconnect from 52.80.34.196: 11: Bye Bye [preauth]");
    const before = JSON.stringify(miner.toJSON());
    expect(miner.match("Received disconnect from 10.1.1.1: 11: Bye Bye [preauth]").template).toBe(
      "Received disconnect from <*> Bye Bye [preauth]",
    );
    expect(miner.match("something never seen 42").template).toBe("something never seen <*>");
    expect(JSON.stringify(miner.toJSON())).toBe(before);
  });

  it("continues from its saved state with the same groups", () => {
    const miner = new TemplateMiner();
    const lines = [
      "VM Started (Lifecycle Event)",
      "Took 19.05 seconds to spawn the instance",
      "user root logged in",
    ];
    const groups = lines.map((line) => miner.add(line).group);
    const restored = TemplateMiner.fromJSON(JSON.parse(JSON.stringify(miner.toJSON())));
    expect(lines.map((line) => restored.add(line).group)).toEqual(groups);
    expect(restored.add("Took 1.03 seconds to spawn the instance").group).toBe(groups[1]);
  });

  it("starts empty from a damaged or foreign state instead of failing", () => {
    for (const state of [
      undefined,
      null,
      42,
      "x",
      { version: 2, groups: [] },
      { version: 1, groups: [{ id: 1 }] },
    ]) {
      const miner = TemplateMiner.fromJSON(state);
      expect(miner.toJSON()).toEqual({ version: 1, clusters: [], groups: [] });
    }
  });

  it("is deterministic for a given input order", () => {
    const lines = Array.from(
      { length: 200 },
      (_, k) => `worker ${["alpha", "beta", "gamma", "delta", "eps"][k % 5]} job ${k} done`,
    );
    const run = () => {
      const miner = new TemplateMiner();
      const handles = lines.map((line) => miner.learn(line));
      return handles.map((h) => miner.resolve(h));
    };
    expect(run()).toEqual(run());
  });
});
