/**
 * Where a secret value ends, read by hand rather than by a regex, so a value is taken whole
 * (`p@ss{w;rd`, `"correct horse battery"`) and the cost is one scan of the value.
 */
export interface ValueSpan {
  start: number;
  end: number;
}

const QUOTES = new Set(['"', "'", "`"]);
const LINE_END = 10; // \n

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 13 || code === 10;
}

/** A quoted value: from after the opening quote to the matching unescaped quote (or the end of the line). */
function quoted(text: string, pos: number): ValueSpan {
  const quote = text[pos] as string;
  let i = pos + 1;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === LINE_END) {
      break;
    }
    if (code === 92 /* \ */) {
      i += 2;
      continue;
    }
    if (text[i] === quote) {
      break;
    }
    i++;
  }
  return { start: pos + 1, end: Math.min(i, text.length) };
}

/** `--flag value`, `KEY=value`, `?key=value&`: quoted, or up to white space (and `&` in a query string). */
export function readWord(text: string, pos: number, stopAtAmpersand: boolean): ValueSpan {
  if (QUOTES.has(text[pos] ?? "")) {
    return quoted(text, pos);
  }
  let i = pos;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (isSpace(code) || code === 34 /* " */ || (stopAtAmpersand && code === 38) /* & */) {
      break;
    }
    i++;
  }
  return { start: pos, end: i };
}

/**
 * `key: value` in YAML, an HTTP header, an INI `key = value`: quoted, or the rest of the line
 * without a trailing ` # comment` and without the `,`/`}`/`]` that close a flow mapping.
 */
export function readRestOfLine(text: string, pos: number): ValueSpan {
  if (QUOTES.has(text[pos] ?? "")) {
    return quoted(text, pos);
  }
  if (text[pos] === "<") {
    // `<set to the key 'token' in secret 'x'>`: a placeholder, judged on its own.
    let close = pos + 1;
    while (close < text.length && text[close] !== ">" && text[close] !== "\n") {
      close++;
    }
    if (text[close] === ">") {
      return { start: pos, end: close + 1 };
    }
  }
  let end = pos;
  while (end < text.length) {
    const code = text.charCodeAt(end);
    if (code === LINE_END || (code === 35 /* # */ && isSpace(text.charCodeAt(end - 1)))) {
      break;
    }
    end++;
  }
  while (end > pos) {
    const code = text.charCodeAt(end - 1);
    if (isSpace(code) || code === 44 /* , */ || code === 125 /* } */ || code === 93 /* ] */) {
      end--;
    } else {
      break;
    }
  }
  return { start: pos, end };
}

/**
 * The user-info password of the URL whose `scheme://` ends just before `pos`: everything after
 * the first `:` up to the last `@` of the authority, so a password holding `@` or `:` is taken whole.
 */
export function readUrlPassword(text: string, pos: number): ValueSpan | undefined {
  let i = pos;
  let lastAt = -1;
  let firstColon = -1;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (isSpace(code) || code === 47 /* / */ || code === 34 || code === 39 || code === 60 || code === 62) {
      break;
    }
    if (code === 64 /* @ */) {
      lastAt = i;
    } else if (code === 58 /* : */ && firstColon === -1 && lastAt === -1) {
      firstColon = i;
    }
    i++;
  }
  if (lastAt === -1 || firstColon === -1 || firstColon > lastAt) {
    return undefined;
  }
  return { start: firstColon + 1, end: lastAt };
}
