/**
 * Placeholders models write instead of the lines they keep ("lazy" edits). Aider's prompts
 * forbid them and its `try_dotdotdots` only accepts `...` when both sides elide the same text
 * (Aider-AI/aider@5dc9490b aider/coders/editblock_coder.py:190, `try_dotdotdots`;
 * aider/coders/wholefile_prompts.py:58 "NEVER skip, omit or elide content"); we never apply one
 * that stands for existing lines, because the file would lose them.
 */
const COMMENT_LEADER = /^(?:#+|\/\/+|\/\*+|<!--|--|;+|\*)\s*/;
const COMMENT_TRAILER = /\s*(?:\*\/|-->)$/;
const ELLIPSIS = /(?:\.\.\.|…)/;
const ELIDING_WORDS =
  /\b(?:unchanged|existing|rest|remaining|same|omitted|other|more|previous|etc|snip|skipped|as before|truncated)\b/i;
const PHRASES =
  /^(?:rest of (?:the )?(?:file|values|config|document|script)|existing (?:code|content|values|config)|(?:the )?remaining (?:lines|values|content)|(?:everything|all) else (?:is )?unchanged|unchanged(?: (?:lines|values|content))?|same as before)\b/i;

/** True when `line` stands for lines it does not show. */
export function isPlaceholder(line: string): boolean {
  const body = line.trim().replace(COMMENT_LEADER, "").replace(COMMENT_TRAILER, "").trim();
  if (body === "" && line.trim() !== "" && ELLIPSIS.test(line)) {
    return true;
  }
  if (/^(?:\.\.\.|…)+$/.test(body)) {
    return true;
  }
  if (ELLIPSIS.test(body) && ELIDING_WORDS.test(body)) {
    return true;
  }
  return line.trim() !== body && PHRASES.test(body);
}
