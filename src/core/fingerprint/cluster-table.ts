import type { MaskedLine } from "./masked-line.ts";

/**
 * Masked messages to cluster handles, probed with a `MaskedLine`'s character buffer: looking up
 * a message seen before makes no string at all (a `Map` would need the key as a string, and
 * building one per line cost more than masking it). Open addressing, FNV-1a hashes.
 */
export class ClusterTable {
  private slots = new Int32Array(1024); // entry index + 1; 0 is empty
  private readonly keys: string[] = [];
  private readonly hashes: number[] = [];
  private readonly handles: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  /** The handle stored for the masked message in `line`, or -1. */
  find(line: MaskedLine): number {
    const codes = line.codes;
    const length = line.length;
    let hash = 0x811c9dc5;
    for (let k = 0; k < length; k++) {
      hash = Math.imul(hash ^ (codes[k] as number), 0x01000193);
    }
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = (this.slots[slot] as number) - 1;
      if (entry < 0) {
        return -1;
      }
      if (this.hashes[entry] === hash) {
        const key = this.keys[entry] as string;
        if (key.length === length && sameCodes(key, codes, length)) {
          return this.handles[entry] as number;
        }
      }
    }
  }

  /** The handle stored for a masked message given as a string, or -1. */
  findKey(key: string): number {
    const hash = hashOf(key);
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = (this.slots[slot] as number) - 1;
      if (entry < 0) {
        return -1;
      }
      if (this.hashes[entry] === hash && this.keys[entry] === key) {
        return this.handles[entry] as number;
      }
    }
  }

  /** Store `handle` for `key`, replacing an earlier one. */
  set(key: string, handle: number): void {
    const hash = hashOf(key);
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    for (; ; slot = (slot + 1) & mask) {
      const entry = (this.slots[slot] as number) - 1;
      if (entry < 0) {
        break;
      }
      if (this.hashes[entry] === hash && this.keys[entry] === key) {
        this.handles[entry] = handle;
        return;
      }
    }
    this.keys.push(key);
    this.hashes.push(hash);
    this.handles.push(handle);
    this.slots[slot] = this.keys.length;
    if (this.keys.length * 2 > this.slots.length) {
      this.grow();
    }
  }

  /** Entries in the order they were first stored. */
  *entries(): Generator<[string, number]> {
    for (let k = 0; k < this.keys.length; k++) {
      yield [this.keys[k] as string, this.handles[k] as number];
    }
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let entry = 0; entry < this.keys.length; entry++) {
      let slot = (this.hashes[entry] as number) & mask;
      while (slots[slot] !== 0) {
        slot = (slot + 1) & mask;
      }
      slots[slot] = entry + 1;
    }
    this.slots = slots;
  }
}

function hashOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let k = 0; k < key.length; k++) {
    hash = Math.imul(hash ^ key.charCodeAt(k), 0x01000193);
  }
  return hash;
}

function sameCodes(key: string, codes: Uint16Array, length: number): boolean {
  for (let k = 0; k < length; k++) {
    if (key.charCodeAt(k) !== codes[k]) {
      return false;
    }
  }
  return true;
}
