import { describe, expect, it } from "vitest";
import { kubernetesSupport, newestSupportedKubernetes } from "./talos-kubernetes.ts";

describe("Talos's Kubernetes support matrix", () => {
  it.each([
    ["1.29.99", "v1.12.4", "too old"],
    ["v1.30.0", "v1.12.4", "supported"],
    ["1.35.98", "v1.12.0", "supported"],
    ["1.35.99", "v1.12.0", "too new"],
    ["1.36.0", "v1.12.4", "too new"],
    ["1.36.0-rc.0", "v1.13.0", "supported"],
    ["1.35.0", "v1.9.5", "unknown Talos"],
  ] as const)("judges Kubernetes %s on Talos %s as %s", (kubernetes, talos, verdict) => {
    expect(kubernetesSupport(kubernetes, talos)).toBe(verdict);
  });

  it("names the newest minor every Talos in play supports, at patch 0", () => {
    expect(newestSupportedKubernetes(["v1.12.4"])).toBe("v1.35.0");
    expect(newestSupportedKubernetes(["1.12.4", "v1.11.5"])).toBe("v1.34.0");
    expect(newestSupportedKubernetes(["v1.10.0", "v1.15.0"])).toBe("v1.33.0");
    expect(newestSupportedKubernetes(["v1.12.4", "v1.8.0"])).toBeUndefined();
  });
});
