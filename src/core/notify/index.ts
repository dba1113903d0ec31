export * from "./ledger.ts";
export * from "./messages.ts";
export * from "./request-shapes.ts";
