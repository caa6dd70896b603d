/**
 * The flags kubeseal inherits from client-go and klog, so that command lines written for kubeseal
 * keep working: kubectl's connection flags (applied over the kubeconfig, see
 * src/kube/overrides.ts) and klog's logging flags (accepted and ignored — kseal has no such log).
 */
import { isAbsolute, resolve } from "node:path";
import type { KubeOverrides } from "../../src/kube/overrides.ts";
import { goDurationMs } from "../../src/support/go-duration.ts";
import { usageError } from "./command.ts";

/** kubectl's connection flags, as node:util parseArgs options. */
export const KUBE_CONNECTION_OPTIONS = {
  server: { type: "string" },
  token: { type: "string" },
  "certificate-authority": { type: "string" },
  "insecure-skip-tls-verify": { type: "boolean" },
  "tls-server-name": { type: "string" },
  "client-certificate": { type: "string" },
  "client-key": { type: "string" },
  cluster: { type: "string" },
  user: { type: "string" },
  username: { type: "string" },
  password: { type: "string" },
  as: { type: "string" },
  "as-group": { type: "string", multiple: true },
  "as-uid": { type: "string" },
  "request-timeout": { type: "string" },
  "proxy-url": { type: "string" },
  "disable-compression": { type: "boolean" },
} as const;

/**
 * klog's flags as kubeseal lists them. Only their syntax matters: each takes a value or not, as in
 * klog, so that `-v 5 --fetch-cert` still parses as kubeseal would.
 */
export const KLOG_OPTIONS = {
  v: { type: "string", short: "v" },
  vmodule: { type: "string" },
  logtostderr: { type: "boolean" },
  alsologtostderr: { type: "boolean" },
  alsologtostderrthreshold: { type: "string" },
  stderrthreshold: { type: "string" },
  log_dir: { type: "string" },
  log_file: { type: "string" },
  log_file_max_size: { type: "string" },
  log_backtrace_at: { type: "string" },
  add_dir_header: { type: "boolean" },
  skip_headers: { type: "boolean" },
  skip_log_headers: { type: "boolean" },
  one_output: { type: "boolean" },
  legacy_stderr_threshold_behavior: { type: "boolean" },
} as const;

export const KUBE_CONNECTION_HELP = `kubectl connection flags (override the kubeconfig's context; --server works without a kubeconfig):
  --server URL, --token T         API server and bearer token
  --certificate-authority FILE    CA to trust (replaces the kubeconfig's)
  --insecure-skip-tls-verify      do not verify the server's certificate
  --tls-server-name NAME          name to verify the server's certificate against
  --client-certificate FILE, --client-key FILE
  --username U, --password P      basic authentication
  --cluster NAME, --user NAME     kubeconfig cluster / user instead of the context's
  --as USER, --as-group G (repeatable), --as-uid UID   impersonate
  --request-timeout D             per request: 0 (none, default), 30 (seconds), 10s, 1m, 1h
  --disable-compression           accepted; kseal never asks for compressed responses
  --proxy-url URL                 not supported: refused (set proxy-url in the kubeconfig instead)
`;

const KLOG_HELP = `klog flags, accepted and ignored (kseal writes no klog log):
  -v, --v N, --vmodule, --logtostderr, --alsologtostderr, --alsologtostderrthreshold,
  --stderrthreshold, --log_dir, --log_file, --log_file_max_size, --log_backtrace_at,
  --add_dir_header, --skip_headers, --skip_log_headers, --one_output,
  --legacy_stderr_threshold_behavior
`;

export const KUBE_FLAGS_HELP = KUBE_CONNECTION_HELP + KLOG_HELP;

/** What parseArgs gives for one option of {@link KUBE_CONNECTION_OPTIONS}. */
type OptionValue<O> = O extends { readonly type: "boolean" } ? boolean : O extends { readonly multiple: true } ? string[] : string;

/** The parsed connection flags, typed from the options table itself. */
type ConnectionValues = {
  readonly [K in keyof typeof KUBE_CONNECTION_OPTIONS]?: OptionValue<(typeof KUBE_CONNECTION_OPTIONS)[K]> | undefined;
};

/**
 * The overrides the parsed flags ask for, file paths made absolute against `cwd`. Empty strings
 * count as unset, as in client-go. Throws `CLI_USAGE` for `--proxy-url`: kseal's own transport
 * has no proxy support, and silently going direct could reach a different network.
 */
export function kubeOverrides(flags: ConnectionValues, cwd: string): KubeOverrides {
  if (set(flags["proxy-url"]) !== undefined) {
    throw usageError("--proxy-url is not supported; set proxy-url on the cluster in the kubeconfig instead");
  }
  const file = (p: string | undefined): string | undefined => (p === undefined || isAbsolute(p) ? p : resolve(cwd, p));
  const o: { -readonly [K in keyof KubeOverrides]: KubeOverrides[K] } = {};
  const put = <K extends keyof KubeOverrides>(key: K, value: KubeOverrides[K] | undefined): void => {
    if (value !== undefined) o[key] = value;
  };
  put("server", set(flags.server));
  put("token", set(flags.token));
  put("certificateAuthority", file(set(flags["certificate-authority"])));
  put("insecureSkipTlsVerify", flags["insecure-skip-tls-verify"] === true ? true : undefined);
  put("tlsServerName", set(flags["tls-server-name"]));
  put("clientCertificate", file(set(flags["client-certificate"])));
  put("clientKey", file(set(flags["client-key"])));
  put("cluster", set(flags.cluster));
  put("user", set(flags.user));
  put("username", set(flags.username));
  put("password", set(flags.password));
  put("as", set(flags.as));
  const groups = flags["as-group"]?.filter((g) => g !== "") ?? [];
  put("asGroups", groups.length === 0 ? undefined : groups);
  put("asUid", set(flags["as-uid"]));
  return o;
}

const set = (v: string | undefined): string | undefined => (v === "" ? undefined : v);

/**
 * `--request-timeout` in milliseconds, 0 for none — client-go's syntax: a whole number of seconds,
 * or a Go duration (`10s`, `1m30s`, `1.5h`, a leading `+` allowed). Throws `CLI_USAGE` for anything
 * else or a negative value.
 */
export function parseRequestTimeout(value: string | undefined): number {
  if (value === undefined || value === "") return 0;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const ms = goDurationMs(value.startsWith("+") ? value.slice(1) : value);
  if (ms === undefined) throw usageError(`invalid --request-timeout "${value}": a whole number of seconds, or a number with a unit (e.g. 1s, 2m, 3h)`);
  // A timeout that rounds to nothing would be "no timeout"; client-go would time out at once.
  return ms === 0 && /[1-9]/.test(value) ? 1 : ms;
}

/** The names of an options table's boolean flags, which pflag also takes as `--flag=true|false`. */
export function booleanOptions(options: Readonly<Record<string, { readonly type: string }>>): ReadonlySet<string> {
  return new Set(Object.entries(options).filter(([, o]) => o.type === "boolean").map(([name]) => name));
}

/**
 * Rewrites Go's `--flag=true` / `--flag=false` for the boolean options in `booleans` into what
 * parseArgs takes (`--flag`, or nothing), as pflag accepts both spellings. Throws `CLI_USAGE` for
 * another value, with pflag's words.
 */
export function normalizeGoBooleans(args: readonly string[], booleans: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const [i, arg] of args.entries()) {
    // Everything after `--` is an operand, never a flag.
    if (arg === "--") return [...out, ...args.slice(i)];
    const m = /^--([^=]+)=(.*)$/s.exec(arg);
    const name = m?.[1];
    if (m === null || name === undefined || !booleans.has(name)) {
      out.push(arg);
      continue;
    }
    const value = m[2] ?? "";
    if (["1", "t", "T", "true", "TRUE", "True"].includes(value)) out.push(`--${name}`);
    else if (!["0", "f", "F", "false", "FALSE", "False"].includes(value)) throw usageError(`invalid argument "${value}" for "--${name}" flag: not a boolean`);
  }
  return out;
}
