/** A minimal line diff: common prefix and suffix trimmed, then a longest common subsequence. */
export type DiffOp = { kind: " " | "-" | "+"; oldIndex: number; newIndex: number };

const MAX_TABLE_CELLS = 4_000_000;

/** Operations turning `a` into `b`; equal lines are " ", in order. */
export function diffLines(a: readonly string[], b: readonly string[]): DiffOp[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) {
    prefix++;
  }
  let suffix = 0;
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    a[a.length - 1 - suffix] === b[b.length - 1 - suffix]
  ) {
    suffix++;
  }
  const ops: DiffOp[] = [];
  for (let index = 0; index < prefix; index++) {
    ops.push({ kind: " ", oldIndex: index, newIndex: index });
  }
  const midA = a.slice(prefix, a.length - suffix);
  const midB = b.slice(prefix, b.length - suffix);
  for (const op of middle(midA, midB)) {
    ops.push({ kind: op.kind, oldIndex: op.oldIndex + prefix, newIndex: op.newIndex + prefix });
  }
  for (let index = 0; index < suffix; index++) {
    ops.push({ kind: " ", oldIndex: a.length - suffix + index, newIndex: b.length - suffix + index });
  }
  return ops;
}

function middle(a: readonly string[], b: readonly string[]): DiffOp[] {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_TABLE_CELLS || n === 0 || m === 0) {
    return [
      ...a.map((_, index) => ({ kind: "-" as const, oldIndex: index, newIndex: 0 })),
      ...b.map((_, index) => ({ kind: "+" as const, oldIndex: n, newIndex: index })),
    ];
  }
  // lengths[i][j]: LCS length of a[i..] and b[j..], in one flat array.
  const width = m + 1;
  const lengths = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * width + j] =
        a[i] === b[j]
          ? (lengths[(i + 1) * width + j + 1] as number) + 1
          : Math.max(lengths[(i + 1) * width + j] as number, lengths[i * width + j + 1] as number);
    }
  }
  const ops: DiffOp[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: " ", oldIndex: i++, newIndex: j++ });
    } else if (
      j < m &&
      (i === n || (lengths[i * width + j + 1] as number) >= (lengths[(i + 1) * width + j] as number))
    ) {
      ops.push({ kind: "+", oldIndex: i, newIndex: j++ });
    } else {
      ops.push({ kind: "-", oldIndex: i++, newIndex: j });
    }
  }
  return reorderRemovalsFirst(ops);
}

/** Within a run of changes, removals before additions, as `git diff` prints them. */
function reorderRemovalsFirst(ops: DiffOp[]): DiffOp[] {
  const result: DiffOp[] = [];
  let run: DiffOp[] = [];
  const flush = () => {
    result.push(...run.filter((op) => op.kind === "-"), ...run.filter((op) => op.kind === "+"));
    run = [];
  };
  for (const op of ops) {
    if (op.kind === " ") {
      flush();
      result.push(op);
    } else {
      run.push(op);
    }
  }
  flush();
  return result;
}
