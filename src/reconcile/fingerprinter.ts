import type { ErrorFingerprint } from "../core/fingerprint/index.ts";
import type { RunContext } from "./context.ts";

export interface Fingerprinter {
  fingerprint(logPath: string): Promise<{ logTail: string; fingerprint: ErrorFingerprint }>;
}

/**
 * Reads a failed run's log tail and fingerprints it with the repo's learned templates, which it
 * saves again. Loaded at the first failure: a green run needs neither the miner nor its schema.
 */
export function lazyFingerprinter(ctx: RunContext): () => Promise<Fingerprinter> {
  let loaded: Promise<Fingerprinter> | undefined;
  return () => {
    loaded ??= (async () => {
      const [{ fingerprintLogTail, TemplateMiner }, { readLogTail }] = await Promise.all([
        import("../core/fingerprint/index.ts"),
        import("../adapters/log-tail/index.ts"),
      ]);
      const miner = TemplateMiner.fromJSON(await ctx.state.readJsonFile("templates"));
      return {
        async fingerprint(logPath: string) {
          const logTail = await readLogTail(logPath);
          const fingerprint = fingerprintLogTail(logTail, miner);
          await ctx.state.writeJson("templates", miner.toJSON());
          return { logTail, fingerprint };
        },
      };
    })();
    return loaded;
  };
}
