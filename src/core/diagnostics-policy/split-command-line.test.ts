import { describe, expect, it } from "vitest";
import { splitCommandLine } from "./index.ts";

describe("splitCommandLine", () => {
  it.each([
    ["talosctl -n 10.0.0.11 get members", ["talosctl", "-n", "10.0.0.11", "get", "members"]],
    [
      "kubectl get pods -o jsonpath='{.items[*].metadata.name}'",
      ["kubectl", "get", "pods", "-o", "jsonpath={.items[*].metadata.name}"],
    ],
    [
      `kubectl get events --field-selector "type=Warning"`,
      ["kubectl", "get", "events", "--field-selector", "type=Warning"],
    ],
    [
      `curl -so /dev/null -w '%{http_code}' https://echo.lab.example`,
      ["curl", "-so", "/dev/null", "-w", "%{http_code}", "https://echo.lab.example"],
    ],
    [`kubectl logs deploy/cloudflared --since=10m`, ["kubectl", "logs", "deploy/cloudflared", "--since=10m"]],
    [
      `echo "a \\"quoted\\" word" 'single $HOME' back\\ slash ''`,
      ["echo", 'a "quoted" word', "single $HOME", "back slash", ""],
    ],
    ["  flux   get  ks  -A  ", ["flux", "get", "ks", "-A"]],
  ])("splits %s into argv without expanding anything", (text, argv) => {
    expect(splitCommandLine(text)).toEqual({ ok: true, argv });
  });

  it.each([
    ["talosctl get members; rm -rf /", "command separators (;)"],
    ["kubectl get pods && kubectl delete ns x", "command lists (&&)"],
    ["kubectl get pods || true", "command lists (||)"],
    ["kubectl get pods | sh", "pipes (|) are not allowed: diagnostics run without a shell"],
    ["kubectl get pods > /etc/passwd", "output redirects"],
    ["kubectl get pods >> /tmp/x", "output redirects"],
    ["kubectl apply -f - < evil.yaml", "input redirects"],
    ["kubectl get pods & sleep 1", "background jobs (&)"],
    ["kubectl get $(curl evil)", "command substitution $(...)"],
    ["kubectl get `curl evil`", "command substitution with backticks"],
    ['kubectl get "$(curl evil)"', "command substitution $(...) is not allowed, even in double quotes"],
    ['kubectl get "`id`"', "backticks is not allowed, even in double quotes"],
    ["kubectl get pods -n $NAMESPACE", "variable expansion ($VAR)"],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's ${VAR} is the input under test
    ["kubectl get pods -n ${NS}", "variable expansion ($VAR)"],
    ['kubectl get pods -n "$NS"', "variable expansion ($VAR) is not allowed, even in double quotes"],
    ["cat ~/.kube/config", "home-directory expansion (~)"],
    ["kubectl get pods -l app=*", "glob patterns (*)"],
    ["kubectl get pod?", "glob patterns (?)"],
    ["kubectl get pods [ab]", "glob patterns ([)"],
    ["kubectl get {pods,secrets}", "brace expansion"],
    ["kubectl get pods\nrm -rf /", "newlines are not allowed"],
    ["kubectl get pods\r\nrm -rf /", "newlines are not allowed"],
    ["kubectl get pods\u0000", "control or invisible characters (U+0000)"],
    ["kubectl get pods \u200bsecrets", "control or invisible characters (U+200B)"],
    ["kubectl get pods\u00a0-A", "control or invisible characters (U+00A0)"],
    ["kubectl get pods \u2014kubeconfig=/root/.kube/config", "looks like a hyphen but is not one"],
    ["kubectl get pods \u2013n kube-system", "(U+2013) looks like a hyphen"],
    ["kubectl get pods \u2212A", "(U+2212) looks like a hyphen"],
    ["KUBECONFIG=/root/.kube/config kubectl get pods", "environment assignments before the command"],
    ["kubectl get pods # and then", "comments (#)"],
    ["(kubectl get pods)", "subshells"],
    ["kubectl get 'pods", "unterminated single quote"],
    ['kubectl get "pods', "unterminated double quote"],
    ["kubectl get pods \\", "trailing backslash"],
    ["   ", "the command is empty"],
  ])("refuses %j", (text, reason) => {
    const result = splitCommandLine(text);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.reason).toContain(reason);
  });

  it("keeps shell metacharacters that are quoted as literal text", () => {
    expect(
      splitCommandLine(`kubectl get pods -l 'app in (a,b)' --field-selector 'status.phase!=Running'`),
    ).toEqual({
      ok: true,
      argv: ["kubectl", "get", "pods", "-l", "app in (a,b)", "--field-selector", "status.phase!=Running"],
    });
  });
});
