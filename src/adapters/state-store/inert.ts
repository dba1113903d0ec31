import { stripControls } from "../../core/text/index.ts";

/**
 * `value` with every string in it (object keys included) passed through `stripControls`: a
 * reason, summary or error line from outside (stage output, a model's answer, an executor's
 * last words) is kept in the state files and the journal without the escape sequences a
 * terminal would act on when `status` or `explain` shows it later.
 */
export function inertStrings<T>(value: T): T {
  return clean(value) as T;
}

function clean(value: unknown): unknown {
  if (typeof value === "string") {
    return stripControls(value);
  }
  if (Array.isArray(value)) {
    return value.map(clean);
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [stripControls(key), clean(inner)]),
    );
  }
  return value;
}
