import { describe, expect, it } from "vitest";
import { fingerprintLogTail, TemplateMiner } from "./index.ts";

const fingerprint = (tail: string) => fingerprintLogTail(tail, new TemplateMiner());

// A Go tool that printed its error and then crashed; the frames name the build's paths and offsets.
const goCrash = (buildRoot: string, offset: string) =>
  [
    "+ flux bootstrap git --url=ssh://git@gitea.lan/homelab/fleet.git --branch=main --path=clusters/lab",
    '► cloning branch "main" from Git repository "ssh://git@gitea.lan/homelab/fleet.git"',
    "✗ failed to clone repository: unable to clone 'ssh://git@gitea.lan/homelab/fleet.git': ssh: handshake failed: knownhosts: key is unknown",
    "panic: runtime error: invalid memory address or nil pointer dereference",
    "[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x1a2b3c4]",
    "",
    "goroutine 1 [running]:",
    "main.bootstrapGitCmdRun(0x3b4c2a0, {0xc0004a8e00, 0x0, 0x4})",
    `\t${buildRoot}/cmd/flux/bootstrap_git.go:233 ${offset}`,
    "github.com/spf13/cobra.(*Command).execute(0x3b4c2a0, {0xc0004a8dc0, 0x4, 0x4})",
    `\t${buildRoot}/vendor/github.com/spf13/cobra/command.go:985 +0xaca`,
    "main.main()",
    `\t${buildRoot}/cmd/flux/main.go:160 +0x25`,
    "exit status 2",
  ].join("\n");

// A Node script that threw: Node prints the location, the source line, carets, the error, frames.
const nodeThrow = (checkout: string) =>
  [
    "+ node scripts/render-values.mjs apps/podinfo",
    `file://${checkout}/scripts/render-values.mjs:14`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the script's own source line, as Node quotes it
    "    throw new Error(`values file ${file} has no key ${key}`);",
    "          ^",
    "",
    "Error: values file apps/podinfo/values.yaml has no key ingress.host",
    `    at renderValues (file://${checkout}/scripts/render-values.mjs:14:11)`,
    `    at file://${checkout}/scripts/render-values.mjs:30:1`,
    "    at ModuleJob.run (node:internal/modules/esm/module_job:234:25)",
    "",
    "Node.js v20.19.0",
    "exit status 1",
  ].join("\n");

// A Python check against the Proxmox API: the message comes after the traceback.
const pythonTraceback = (site: string, line: number) =>
  [
    "+ python3 scripts/check_api.py",
    "Traceback (most recent call last):",
    `  File "${site}/urllib3/connection.py", line ${line}, in _new_conn`,
    "    sock = connection.create_connection(",
    '  File "/home/ada/homelab/scripts/check_api.py", line 41, in <module>',
    "    main()",
    "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pve.lan', port=8006): Max retries exceeded with url: /api2/json/version (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f1c2b3a4d60>: Failed to establish a new connection: [Errno 111] Connection refused'))",
    "exit status 1",
  ].join("\n");

describe("chooseErrorLines with stack traces", () => {
  it("chooses the message above a Go panic, not the panic or its goroutine frames", () => {
    const result = fingerprint(goCrash("/home/runner/work/flux2/flux2", "+0x1d"));
    expect(result.lines).toEqual([
      "✗ failed to clone repository: unable to clone 'ssh://git@gitea.lan/homelab/fleet.git': ssh: handshake failed: knownhosts: key is unknown",
    ]);
    expect(fingerprint(goCrash("/build/flux-2.9.0", "+0x2f")).template).toBe(result.template);
  });

  it("falls back to the panic line when the tool said nothing else", () => {
    const tail = [
      "panic: assignment to entry in nil map",
      "",
      "goroutine 1 [running]:",
      "main.main()",
      "\t/src/cmd/tool/main.go:12 +0x25",
      "exit status 2",
    ].join("\n");
    expect(fingerprint(tail).lines).toEqual(["panic: assignment to entry in nil map"]);
  });

  it("chooses a Node error's message, not the quoted source line or the `at` frames", () => {
    const result = fingerprint(nodeThrow("/home/ada/homelab"));
    expect(result.lines).toEqual(["Error: values file apps/podinfo/values.yaml has no key ingress.host"]);
    expect(fingerprint(nodeThrow("/srv/ci/builds/7f3e/homelab")).template).toBe(result.template);
  });

  it("chooses a Python exception's message, not the traceback's File lines", () => {
    const result = fingerprint(pythonTraceback("/usr/lib/python3/dist-packages", 174));
    expect(result.lines).toHaveLength(1);
    expect(result.lines[0]).toMatch(/^requests\.exceptions\.ConnectionError: /);
    expect(fingerprint(pythonTraceback("/usr/local/lib/python3.12/site-packages", 199)).template).toBe(
      result.template,
    );
  });

  it("chooses a Java exception over its tab-indented `at` frames", () => {
    const tail = [
      'Exception in thread "main" java.net.ConnectException: Connection refused',
      "\tat java.base/sun.nio.ch.Net.connect0(Native Method)",
      "\tat java.base/sun.nio.ch.Net.connect(Net.java:579)",
      "exit status 1",
    ].join("\n");
    expect(fingerprint(tail).lines).toEqual([
      'Exception in thread "main" java.net.ConnectException: Connection refused',
    ]);
  });
});

describe("chooseErrorLines without an error word", () => {
  it("keeps the last thing the tool said with its generic ending, so two such failures stay apart", () => {
    // Talos's validation errors name no error word of their own (issues siderolabs/talos#13064, #12541).
    const tail = (cause: string) =>
      ["+ talosctl apply-config --nodes 192.168.178.103 --file cp.yaml", cause, "exit status 1"].join("\n");
    const staticHostname = fingerprint(tail("* static hostname is already set in v1alpha1 config"));
    const hostnameConfig = fingerprint(tail("* HostnameConfig: either 'auto' or 'hostname' must be set"));
    expect(hostnameConfig.lines).toEqual([
      "* HostnameConfig: either 'auto' or 'hostname' must be set",
      "exit status 1",
    ]);
    expect(staticHostname.template).not.toBe(hostnameConfig.template);
  });
});

describe("chooseErrorLines with paths", () => {
  // The checkout's own folder name holds an error word; the tool wrote the log path last.
  const talosApply = (checkout: string) =>
    [
      `+ talosctl apply-config --nodes 192.168.1.21 --file ${checkout}/talos/controlplane.yaml`,
      'error applying new configuration: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 192.168.1.21:50000: connect: connection refused"',
      `wrote the stage log to ${checkout}/ai/logs/talos-20251125T170211Z.log`,
      `using config ${checkout}/talos/controlplane.yaml`,
      "exit status 1",
    ].join("\n");

  it("takes no error word from a path: a checkout called homelab-missing does not make a line an error", () => {
    const result = fingerprint(talosApply("/home/ada/homelab-missing"));
    expect(result.lines).toEqual([
      'error applying new configuration: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 192.168.1.21:50000: connect: connection refused"',
    ]);
  });

  it("gives the same fingerprint wherever the checkout lives", () => {
    const template = fingerprint(talosApply("/home/ada/homelab-missing")).template;
    expect(fingerprint(talosApply("/home/ben/homelab-failed")).template).toBe(template);
    expect(fingerprint(talosApply("/srv/homelab")).template).toBe(template);
  });

  it("masks the checkout's part of a path inside the error line itself", () => {
    const open = (checkout: string) =>
      `error: open ${checkout}/talos/patches/cp-1.yaml: no such file or directory\nexit status 1`;
    expect(fingerprint(open("/home/ada/homelab-missing")).template).toBe(
      fingerprint(open("/Users/ben/src/lab")).template,
    );
    expect(fingerprint(open("~/homelab")).template).toBe(fingerprint(open("/root/homelab-failed")).template);
  });

  it("takes no error word from a quoted name", () => {
    // kubectl quotes the names it reports (kubernetes/kubectl@v0.32.13
    // pkg/polymorphichelpers/rollout_status.go:89); this deployment's name holds an error word.
    const tail = [
      'Error from server (NotFound): deployments.apps "cloudflared" not found',
      'deployment "failed-login-exporter" successfully rolled out',
      "exit status 1",
    ].join("\n");
    expect(fingerprint(tail).lines).toEqual([
      'Error from server (NotFound): deployments.apps "cloudflared" not found',
    ]);
  });
});
