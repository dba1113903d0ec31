import type { ToolPolicy } from "./tool-policy.ts";

export const DIG: ToolPolicy = {
  allows: "lookups (dig [@server] name [type] [+options])",
  valueFlags: new Set(["-p", "-t", "-c", "-q", "-x", "-b"]),
  check(args) {
    const option = args.options.find((o) => ["-f", "-k", "-y"].includes(o.flag));
    if (option?.flag === "-f") {
      return "dig -f reads names from a local file: give the name itself";
    }
    if (option) {
      return `dig ${option.flag} uses a TSIG key, which is a credential`;
    }
    return undefined;
  },
};

// curl is judged on its own argv, not through parseArgs: its options are an allowlist, since
// one unknown option (--config, --upload-file, --output) can write, send or read files.
const CURL_BOOLEAN = new Set([
  "-s",
  "--silent",
  "-S",
  "--show-error",
  "-f",
  "--fail",
  "--fail-with-body",
  "-L",
  "--location",
  "-k",
  "--insecure",
  "-I",
  "--head",
  "-i",
  "--include",
  "-v",
  "--verbose",
  "-4",
  "--ipv4",
  "-6",
  "--ipv6",
  "-G",
  "--get",
  "--http1.1",
  "--http2",
  "--compressed",
  "-N",
  "--no-buffer",
  "--no-progress-meter",
]);
const CURL_WITH_VALUE = new Set([
  "-m",
  "--max-time",
  "--connect-timeout",
  "-w",
  "--write-out",
  "-H",
  "--header",
  "-X",
  "--request",
  "-o",
  "--output",
  "--resolve",
  "--retry",
  "--retry-delay",
  "--max-redirs",
  "--cacert",
  "-A",
  "--user-agent",
]);
const CURL_REFUSED: Readonly<Record<string, string>> = {
  "-d": "sends a request body",
  "--data": "sends a request body",
  "--data-raw": "sends a request body",
  "--data-binary": "sends a request body",
  "--data-urlencode": "sends a request body",
  "--data-ascii": "sends a request body",
  "--json": "sends a request body",
  "-F": "sends a form",
  "--form": "sends a form",
  "--form-string": "sends a form",
  "-T": "uploads a file",
  "--upload-file": "uploads a file",
  "-O": "writes a file",
  "--remote-name": "writes a file",
  "--remote-name-all": "writes files",
  "-D": "writes a file",
  "--dump-header": "writes a file",
  "-c": "writes a file",
  "--cookie-jar": "writes a file",
  "--trace": "writes a file",
  "--trace-ascii": "writes a file",
  "--libcurl": "writes a file",
  "--stderr": "writes a file",
  "-K": "reads options from a file, which could say anything",
  "--config": "reads options from a file, which could say anything",
  "-u": "sends other credentials",
  "--user": "sends other credentials",
  "-E": "sends other credentials",
  "--cert": "sends other credentials",
  "--key": "sends other credentials",
  "-b": "sends cookies, which are credentials",
  "--cookie": "sends cookies, which are credentials",
  "--oauth2-bearer": "sends other credentials",
  "-x": "sends the request through another host",
  "--proxy": "sends the request through another host",
};

function curlOption(flag: string, value: string | undefined): string | undefined {
  if (Object.hasOwn(CURL_REFUSED, flag)) {
    return `curl ${flag} is not allowed: it ${CURL_REFUSED[flag]}; diagnostics may only send GET requests`;
  }
  if ((flag === "-X" || flag === "--request") && !/^(?:GET|HEAD)$/i.test(value ?? "")) {
    return `curl ${flag} ${value ?? ""} is not allowed: diagnostics may only send GET requests`;
  }
  if ((flag === "-o" || flag === "--output") && value !== "/dev/null") {
    return `curl ${flag} ${value ?? ""} is not allowed: diagnostics write no files (only -o /dev/null)`;
  }
  if (!CURL_BOOLEAN.has(flag) && !CURL_WITH_VALUE.has(flag)) {
    return `curl ${flag} is not on the read-only list of curl options`;
  }
  return undefined;
}

function checkCurl(argv: readonly string[]): string | undefined {
  let urls = 0;
  for (let i = 1; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token.startsWith("--")) {
      const eq = token.indexOf("=");
      const flag = eq === -1 ? token : token.slice(0, eq);
      let value = eq === -1 ? undefined : token.slice(eq + 1);
      if (value === undefined && CURL_WITH_VALUE.has(flag)) {
        value = argv[++i];
      }
      const problem = curlOption(flag, value);
      if (problem) {
        return problem;
      }
      continue;
    }
    if (token.startsWith("-") && token.length > 1) {
      for (let j = 1; j < token.length; j++) {
        const flag = `-${token[j]}`;
        let value: string | undefined;
        if (
          CURL_WITH_VALUE.has(flag) ||
          ["-d", "-F", "-T", "-D", "-c", "-K", "-u", "-E", "-b", "-x"].includes(flag)
        ) {
          value = token.slice(j + 1) || argv[++i];
          j = token.length;
        }
        const problem = curlOption(flag, value);
        if (problem) {
          return problem;
        }
      }
      continue;
    }
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(token)?.[1];
    if (scheme && !/^https?$/i.test(scheme)) {
      return `curl ${scheme}:// URLs are not allowed: only http and https`;
    }
    urls++;
  }
  return urls === 0 ? "curl needs a URL" : undefined;
}

export const CURL: ToolPolicy = {
  allows: "GET and HEAD requests to http(s) URLs",
  valueFlags: CURL_WITH_VALUE,
  check: (_args, argv) => checkCurl(argv),
};
