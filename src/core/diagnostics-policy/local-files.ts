import { forbiddenHost, hostOfUrl } from "./addresses.ts";

/**
 * Arguments that make any tool read a local file, whatever the tool: a `file:` URL in any case
 * and any spelling (`file:/etc/passwd`, `FILE:///x`, `--url=File:x`), and an `@file` value (curl
 * reads `-H @/path`, `-w @/path`, `-d @/path` from the file; other tools take `@` the same way or
 * not at all). dig's `@server` is its own syntax: it names a DNS server, which must not be a
 * link-local or metadata address.
 */
export function localFileArgument(argv: readonly string[]): string | undefined {
  const tool = argv[0] ?? "";
  for (const token of argv.slice(1)) {
    if (/file:/i.test(token)) {
      return `${token} is not allowed: file: URLs read local files`;
    }
    if (tool === "dig" && token.startsWith("@")) {
      const server = token.slice(1);
      const forbidden = forbiddenHost(hostOfUrl(server) ?? server) ?? forbiddenHost(server);
      if (forbidden) {
        return `dig ${token} is not allowed: ${forbidden}`;
      }
      continue;
    }
    if (token.startsWith("@") || /^--?[^=\s]*=@/.test(token) || /^-[A-Za-z]@/.test(token)) {
      return `${token} is not allowed: an @ value reads a local file, which may hold secrets`;
    }
  }
  return undefined;
}
