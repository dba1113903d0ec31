/**
 * Inputs built to make a backtracking redactor slow: long runs of the characters its patterns
 * repeat, contexts that open and never close, and many partial matches. Each builder returns
 * text of about `size` characters (a repeated unit), so tests and the bench can scale them.
 */
export interface AdversarialInput {
  name: string;
  build(size: number): string;
}

function repeat(unit: string, size: number): string {
  return unit.repeat(Math.max(1, Math.ceil(size / unit.length)));
}

export const ADVERSARIAL_INPUTS: readonly AdversarialInput[] = [
  { name: "one line of base64, no newline", build: (size) => repeat("Ab3+", size) },
  { name: "one line of spaces", build: (size) => repeat(" ", size) },
  { name: "password= repeated on one line", build: (size) => repeat("password=", size) },
  { name: "password: with unclosed quotes", build: (size) => repeat(`password: "a `, size) },
  {
    name: "secret-like key names that never reach a separator",
    build: (size) => repeat("a_password_token.", size),
  },
  { name: "dotted words (word boundaries everywhere)", build: (size) => repeat("a.b-c.", size) },
  { name: "URL schemes without end", build: (size) => repeat("a://b:c@", size) },
  { name: "sk- prefixes", build: (size) => repeat("sk-", size) },
  { name: "eyJ segments", build: (size) => repeat("eyJabcdefgh.", size) },
  { name: "PEM BEGIN lines with no END", build: (size) => repeat("-----BEGIN RSA PRIVATE KEY-----\n", size) },
  { name: "base64 lines with no PEM around", build: (size) => repeat(`${"QUJDRA".repeat(10)}\n`, size) },
  {
    name: "YAML block scalar under password",
    build: (size) => `password: |\n${repeat("    x9Yz-line\n", size)}`,
  },
  { name: "mysql with no -p", build: (size) => repeat("mysql ", size) },
  { name: "kind: Secret with no data", build: (size) => repeat("kind: Secret ", size) },
  { name: "Authorization headers with no value", build: (size) => repeat("Authorization: \n", size) },
  {
    name: "short lines of ordinary log",
    build: (size) => repeat("I1125 10:00:00.000001 1 controller.go:42] synced pods=3 ns=default\n", size),
  },
];
