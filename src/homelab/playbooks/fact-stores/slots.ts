import type { FactKind, FactSlot, FactStore } from "./types.ts";

/** The one slot holding `value` in the store, or why there is none to change. */
export function onlySlot(store: FactStore, kind: FactKind, value: string): FactSlot | { why: string } {
  const slots = store.slotsHolding(kind, value);
  const [slot, ...more] = slots;
  const what = kind === "install-disk" ? "install disk" : kind === "node" ? "Proxmox node" : kind;
  if (slot === undefined) {
    return { why: `${store.name} does not name ${what} "${value}"` };
  }
  if (more.length > 0) {
    return {
      why: `${store.name} names ${what} "${value}" in several places (${slots.map((s) => s.label).join("; ")}); a human must choose which to change`,
    };
  }
  return slot.readOnly === undefined ? slot : { why: slot.readOnly };
}
