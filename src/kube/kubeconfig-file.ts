/**
 * Resolves one context of a kubeconfig file into {@link ResolvedAccess}, reading the files it
 * refers to. Follows kubectl where the kubeconfig format leaves room:
 *
 * - relative file paths are relative to the kubeconfig's directory;
 * - a `…-data` field wins over its file twin (`certificate-authority-data` over
 *   `certificate-authority`), and an empty string counts as unset;
 * - `tokenFile` is read again for every credential refresh (see credentials.ts), `token` is the
 *   fallback while it cannot be read; the older `token-file` spelling is accepted too;
 * - a bearer token wins over `username`/`password`.
 *
 * Users with `exec` or `auth-provider` and clusters with `proxy-url` resolve to `client-node`:
 * those are client-node's to handle, exactly as before kseal read kubeconfigs itself.
 *
 * Every failure is `KUBE_CONFIG_INVALID` with `details.path` (the kubeconfig); messages name
 * contexts, clusters, users and fields, never a value — YAML errors give only line and column,
 * because the parser's own message quotes the offending lines.
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { parse, YAMLParseError } from "yaml";
import { KsealError } from "../errors.ts";
import type { BearerToken, ResolvedAccess, TlsSettings, UserCredentials } from "./access.ts";
import { readConfigFile } from "./config-files.ts";
import { hasOverrides, overrideCluster, overrideUser, type KubeOverrides } from "./overrides.ts";

type Mapping = Readonly<Record<string, unknown>>;

const isMapping = (v: unknown): v is Mapping => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads and parses `path`, then resolves `context` (default: the file's `current-context`) with
 * the command line's `overrides` applied (see overrides.ts).
 */
export function resolveKubeconfigFile(path: string, context?: string, overrides: KubeOverrides = {}): ResolvedAccess {
  const text = readConfigFile(path, "the kubeconfig file", { path }).toString("utf8");
  return resolveKubeconfig(parseYaml(text, path), path, context, overrides);
}

/**
 * The cluster and user the flags alone describe, as kubectl takes `--server URL --token T` without
 * any kubeconfig. Throws `KUBE_CONFIG_INVALID` (`details.path` "the command line") when `--server`
 * is missing or a named file cannot be read.
 */
export function resolveOverridesOnly(overrides: KubeOverrides): ResolvedAccess {
  return resolveKubeconfig({}, COMMAND_LINE, undefined, overrides);
}

/** What errors name as the "kubeconfig" when the flags alone describe the cluster. */
const COMMAND_LINE = "the command line";

/** {@link resolveKubeconfigFile} of an already parsed file; `path` places relative files and names errors. */
function resolveKubeconfig(root: Mapping, path: string, context: string | undefined, overrides: KubeOverrides): ResolvedAccess {
  const at = new Fields(path);
  const contextName = context !== undefined && context !== "" ? context : at.string(root, "current-context", "the kubeconfig");
  // Like kubectl, --server makes a context unnecessary (and a kubeconfig too).
  if (contextName === undefined && overrides.server === undefined) {
    throw at.invalid(path === COMMAND_LINE ? "no --server given" : "the kubeconfig has no current-context (choose one with --context)");
  }

  const ctx = contextName === undefined ? {} : at.entry(root, "contexts", "context", contextName);
  const ctxWhere = `context "${contextName ?? ""}"`;
  const clusterName = overrides.cluster ?? at.string(ctx, "cluster", ctxWhere);
  if (clusterName === undefined && overrides.server === undefined) throw at.invalid(`${ctxWhere} names no cluster`);
  const userName = overrides.user ?? at.string(ctx, "user", ctxWhere);
  const namespace = at.string(ctx, "namespace", ctxWhere);

  const clusterWhere = clusterName === undefined ? "the --server cluster" : `cluster "${clusterName}"`;
  const cluster = overrideCluster(clusterName === undefined ? {} : at.entry(root, "clusters", "cluster", clusterName), overrides);
  const server = serverUrl(at, cluster, clusterWhere);
  const user = overrideUser(userName === undefined ? {} : at.entry(root, "users", "user", userName), overrides);
  const userWhere = userName === undefined ? "the command line's user" : `user "${userName}"`;

  const reason = isSet(user.exec) ? "exec" : isSet(user["auth-provider"]) ? "auth-provider" : isSet(cluster["proxy-url"]) ? "proxy-url" : undefined;
  if (reason !== undefined) {
    // client-node reads the file itself, so it would not see the flags: refuse rather than ignore them.
    if (hasOverrides(overrides)) {
      throw at.invalid(`${reason === "proxy-url" ? clusterWhere : userWhere} uses ${reason}, which cannot be combined with connection flags other than --token`);
    }
    return { kind: "client-node", server, namespace, reason, kubeconfig: resolve(path), context: contextName ?? "" };
  }
  return {
    kind: "direct",
    server,
    namespace,
    tls: tlsSettings(at, cluster, clusterWhere, user, userWhere),
    user: userCredentials(at, user, userWhere),
  };
}

const isSet = (v: unknown): boolean => v !== undefined && v !== null;

function parseYaml(text: string, path: string): Mapping {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e: unknown) {
    const pos = e instanceof YAMLParseError ? e.linePos?.[0] : undefined;
    throw new KsealError("KUBE_CONFIG_INVALID", "the kubeconfig is not valid YAML", {
      details: { path, ...(pos === undefined ? {} : { line: pos.line, column: pos.col }) },
    });
  }
  if (!isMapping(doc)) throw new KsealError("KUBE_CONFIG_INVALID", "the kubeconfig is not a YAML mapping", { details: { path } });
  return doc;
}

/** The server URL without trailing slashes; only http and https make sense for an API server. */
function serverUrl(at: Fields, cluster: Mapping, where: string): string {
  const server = at.string(cluster, "server", where);
  if (server === undefined) throw at.invalid(`${where} has no server`);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    // The URL itself stays out of the message: it may carry user:password@.
    throw at.invalid(`${where} has a server that is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw at.invalid(`${where} has a server that is neither https:// nor http://`);
  return server.replace(/\/+$/, "");
}

function tlsSettings(at: Fields, cluster: Mapping, clusterWhere: string, user: Mapping, userWhere: string): TlsSettings {
  const ca = at.bytes(cluster, "certificate-authority", clusterWhere);
  const cert = at.bytes(user, "client-certificate", userWhere);
  const key = at.bytes(user, "client-key", userWhere);
  const serverName = at.string(cluster, "tls-server-name", clusterWhere);
  return {
    insecureSkipVerify: at.boolean(cluster, "insecure-skip-tls-verify", clusterWhere) ?? false,
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(serverName === undefined ? {} : { serverName }),
  };
}

function userCredentials(at: Fields, user: Mapping, where: string): UserCredentials {
  const token = at.string(user, "token", where);
  const tokenFile = at.file(user, "tokenFile", where) ?? at.file(user, "token-file", where);
  const username = at.string(user, "username", where);
  const password = at.string(user, "password", where);
  const impersonate = at.string(user, "as", where);
  const impersonateUid = at.string(user, "as-uid", where);
  const impersonateGroups = at.strings(user, "as-groups", where);
  let bearer: BearerToken | undefined;
  if (tokenFile !== undefined) bearer = { tokenFile, fallback: initialToken(at, tokenFile, token, where) };
  else if (token !== undefined) bearer = { token };
  return {
    ...(bearer === undefined ? {} : { bearer }),
    ...(username === undefined ? {} : { basic: { username, password: password ?? "" } }),
    ...(impersonate === undefined ? {} : { impersonate }),
    ...(impersonateGroups === undefined ? {} : { impersonateGroups }),
    ...(impersonateUid === undefined ? {} : { impersonateUid }),
  };
}

/**
 * The token file's content now, so that a file that is missing from the start stops start-up; a
 * `token` beside it stands in, as in client-go.
 */
function initialToken(at: Fields, tokenFile: string, token: string | undefined, where: string): string | undefined {
  try {
    const read = readConfigFile(tokenFile, `the tokenFile of ${where}`, { path: at.path }).toString("utf8").trim();
    if (read !== "") return read;
  } catch (e: unknown) {
    if (token === undefined) throw e;
  }
  if (token === undefined) throw at.invalid(`the tokenFile of ${where} is empty`, { file: tokenFile });
  return token;
}

/** Typed access to kubeconfig fields, each failure a `KUBE_CONFIG_INVALID` naming the field. */
class Fields {
  readonly path: string;
  readonly #dir: string;

  constructor(path: string) {
    this.path = path;
    this.#dir = dirname(resolve(path));
  }

  invalid(message: string, details: Readonly<Record<string, string>> = {}): KsealError {
    return new KsealError("KUBE_CONFIG_INVALID", message, { details: { ...details, path: this.path } });
  }

  /** A string field; "" and null count as unset. */
  string(m: Mapping, key: string, where: string): string | undefined {
    const v = m[key];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") throw this.invalid(`${where}: ${key} must be a string`);
    return v;
  }

  /** A list of strings; an empty list counts as unset. */
  strings(m: Mapping, key: string, where: string): string[] | undefined {
    const v = m[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw this.invalid(`${where}: ${key} must be a list of strings`);
    return v.length === 0 ? undefined : v;
  }

  boolean(m: Mapping, key: string, where: string): boolean | undefined {
    const v = m[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "boolean") throw this.invalid(`${where}: ${key} must be true or false`);
    return v;
  }

  /** A file path field, made absolute against the kubeconfig's directory. */
  file(m: Mapping, key: string, where: string): string | undefined {
    const p = this.string(m, key, where);
    return p === undefined || isAbsolute(p) ? p : resolve(this.#dir, p);
  }

  /** `key-data` (base64) if set, else the content of the file `key` names. */
  bytes(m: Mapping, key: string, where: string): Buffer | undefined {
    const data = this.string(m, `${key}-data`, where);
    if (data !== undefined) {
      const b64 = data.replace(/\s+/g, "");
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) throw this.invalid(`${where}: ${key}-data is not base64`);
      return Buffer.from(b64, "base64");
    }
    const file = this.file(m, key, where);
    return file === undefined ? undefined : readConfigFile(file, `the ${key} file of ${where}`, { path: this.path });
  }

  /** The body (`entryKey`) of the entry called `name` in the list `listKey`; the first one wins. */
  entry(root: Mapping, listKey: string, entryKey: string, name: string): Mapping {
    const list = root[listKey] ?? [];
    if (!Array.isArray(list)) throw this.invalid(`${listKey} must be a list`);
    const found = (list as unknown[]).find((e) => isMapping(e) && e.name === name) as Mapping | undefined;
    if (found === undefined) throw this.invalid(`${entryKey} "${name}" is not in the kubeconfig`);
    const body = found[entryKey] ?? {};
    if (!isMapping(body)) throw this.invalid(`${entryKey} "${name}": ${entryKey} must be a mapping`);
    return body;
  }
}
