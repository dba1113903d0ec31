import { forbiddenHost, hostOfUrl } from "./addresses.ts";
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
  "-L": "follows redirects to hosts this check never saw (a metadata address, a file)",
  "--location": "follows redirects to hosts this check never saw (a metadata address, a file)",
  "--location-trusted": "follows redirects and sends credentials along",
  "-n": "sends credentials from ~/.netrc",
  "--netrc": "sends credentials from ~/.netrc",
  "--netrc-file": "sends credentials from a file",
  "--netrc-optional": "sends credentials from ~/.netrc",
  "--aws-sigv4": "signs with other credentials",
  "--proxy-user": "sends other credentials",
  "-x": "sends the request through another host",
  "--proxy": "sends the request through another host",
};

/** Headers that carry credentials: a diagnostic sends none but the ones the tool was given. */
const CREDENTIAL_HEADER =
  /^\s*(?:proxy-)?authorization|^\s*cookie|^\s*x-api-key|^\s*x-auth-token|^\s*x-vault-token|^\s*private-token|^\s*x-[a-z-]*(?:token|key|secret|password)\s*:/i;

function curlOption(flag: string, value: string | undefined): string | undefined {
  if (value?.startsWith("@")) {
    return `curl ${flag} ${value} is not allowed: an @ value reads a local file, which may hold secrets`;
  }
  if ((flag === "-H" || flag === "--header") && CREDENTIAL_HEADER.test(value ?? "")) {
    return `curl ${flag} is not allowed with ${(value ?? "").split(":")[0]}: it sends other credentials`;
  }
  if (flag === "--resolve") {
    for (const address of (value ?? "").split(":").slice(2).join(":").split(",")) {
      const forbidden = forbiddenHost(address);
      if (forbidden) {
        return `curl --resolve ${value ?? ""} is not allowed: ${forbidden}`;
      }
    }
  }
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

/**
 * A URL curl may fetch (curl.se/docs/manpage.html; curl 7.88.1 run for real prints
 * /etc/hostname for `curl fIlE:/etc/hostname`): http or https only (curl also speaks file:, dict:, gopher:, ftp:, smb:,
 * ldap: and more, with or without //), no globbing (curl expands {a,b} and [1-9] into hosts this
 * check would never see), and a host that is not link-local or a metadata service.
 */
function curlUrlProblem(url: string): string | undefined {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):(?!\d)/.exec(url)?.[1];
  if (scheme && !/^https?$/i.test(scheme)) {
    return `curl ${scheme}:// URLs are not allowed: only http and https`;
  }
  const withoutIpv6Host = url.replace(/^(https?:\/\/(?:[^/@]*@)?)\[[0-9a-fA-F:.%]+\]/i, "$1h");
  if (/[{}[\]]/.test(withoutIpv6Host)) {
    return `curl ${url} is not allowed: curl would expand {} and [] into other URLs`;
  }
  const host = hostOfUrl(url);
  if (host === undefined) {
    return `curl ${url} is not allowed: it is not a URL this check can read`;
  }
  const forbidden = forbiddenHost(host);
  return forbidden ? `curl ${url} is not allowed: ${forbidden}` : undefined;
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
    const problem = curlUrlProblem(token);
    if (problem) {
      return problem;
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
