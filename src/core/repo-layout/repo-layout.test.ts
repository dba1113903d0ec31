import { afterEach, describe, expect, it } from "vitest";
import { caseDir, fileStamp, stageLogFile } from "./index.ts";

const zone = process.env["TZ"];
afterEach(() => {
  if (zone === undefined) {
    delete process.env["TZ"];
  } else {
    process.env["TZ"] = zone;
  }
});

describe("the one file-name timestamp", () => {
  it("is UTC whatever the machine's zone, so names in one folder never disagree by an offset", () => {
    const at = new Date(Date.UTC(2026, 10, 25, 23, 30, 5));
    for (const tz of ["UTC", "Pacific/Kiritimati", "America/Los_Angeles"]) {
      process.env["TZ"] = tz;
      expect(fileStamp(at)).toBe("20261125-233005");
      expect(stageLogFile("talos", at, 3)).toBe("ai/logs/talos/talos_20261125-233005_attempt3.log");
    }
  });

  it("keeps stage names and case ids to one safe path segment", () => {
    expect(caseDir("../../etc", "x/y")).toBe("ai/escalations/etc/x-y");
  });
});
