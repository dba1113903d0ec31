import { describe, expect, it } from "vitest";
import { cidrsOverlap, formatIpv4, isHostAddress, parseCidr, parseIpv4 } from "./ipv4.ts";

describe("IPv4 helpers", () => {
  it("parses and prints addresses, refusing malformed ones", () => {
    expect(formatIpv4(parseIpv4("192.168.1.21") ?? 0)).toBe("192.168.1.21");
    for (const bad of ["192.168.1", "192.168.1.256", "01.2.3.4", "a.b.c.d", "1.2.3.4.5"]) {
      expect(parseIpv4(bad)).toBeUndefined();
    }
  });

  it("refuses a CIDR with host bits set", () => {
    expect(parseCidr("10.42.0.0/16")).toMatchObject({ prefix: 16 });
    expect(parseCidr("10.42.0.1/16")).toBeUndefined();
    expect(parseCidr("10.42.0.0/33")).toBeUndefined();
  });

  it("knows overlap, and network and broadcast addresses", () => {
    const net = parseCidr("192.168.1.0/24");
    const wide = parseCidr("192.168.0.0/16");
    const other = parseCidr("10.0.0.0/8");
    if (!net || !wide || !other) {
      throw new Error("fixture");
    }
    expect(cidrsOverlap(net, wide)).toBe(true);
    expect(cidrsOverlap(net, other)).toBe(false);
    expect(isHostAddress(net, parseIpv4("192.168.1.0") ?? 0)).toBe(false);
    expect(isHostAddress(net, parseIpv4("192.168.1.255") ?? 0)).toBe(false);
    expect(isHostAddress(net, parseIpv4("192.168.1.7") ?? 0)).toBe(true);
  });
});
