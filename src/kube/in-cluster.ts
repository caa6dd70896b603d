/**
 * The in-cluster configuration of a pod: the API server from `KUBERNETES_SERVICE_HOST`/`_PORT`,
 * trusted through the service account's `ca.crt`, authenticated with its `token` — a projected
 * token that kubelet rotates, so it is read again on every credential refresh (credentials.ts).
 */
import { readFileSync } from "node:fs";
import { isIPv6 } from "node:net";
import { join } from "node:path";
import { KsealError } from "../errors.ts";
import type { ResolvedAccess } from "./access.ts";
import { readConfigFile, readTokenFile } from "./config-files.ts";

/** Where kubelet mounts the service account's token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export interface InClusterOptions {
  /** The environment to read `KUBERNETES_SERVICE_HOST`/`_PORT` from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The service account directory. Default {@link SERVICE_ACCOUNT_DIR}. */
  readonly serviceAccountDir?: string;
}

/** True when the environment says this process runs in a pod. */
export function inCluster(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return env.KUBERNETES_SERVICE_HOST !== undefined && env.KUBERNETES_SERVICE_HOST !== "";
}

/**
 * Resolves the in-cluster configuration. Throws `KUBE_CONFIG_MISSING` outside a pod and
 * `KUBE_CONFIG_INVALID` (with `details.path`) when the port is unset or the CA or token cannot be
 * read.
 */
export function resolveInCluster(options: InClusterOptions = {}): ResolvedAccess {
  const env = options.env ?? process.env;
  const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  if (host === undefined || host === "") {
    throw new KsealError("KUBE_CONFIG_MISSING", "not running in a cluster (KUBERNETES_SERVICE_HOST is not set)");
  }
  const port = env.KUBERNETES_SERVICE_PORT;
  if (port === undefined || port === "") {
    throw new KsealError("KUBE_CONFIG_INVALID", "KUBERNETES_SERVICE_HOST is set but KUBERNETES_SERVICE_PORT is not", { details: { path: "KUBERNETES_SERVICE_PORT" } });
  }
  const tokenFile = join(dir, "token");
  const caFile = join(dir, "ca.crt");
  const ca = readConfigFile(caFile, "the service account CA", { path: caFile });
  const token = readTokenFile(tokenFile, "the service account token", { path: tokenFile });
  return {
    kind: "direct",
    server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
    namespace: podNamespace(join(dir, "namespace")),
    tls: { ca, insecureSkipVerify: false },
    user: { bearer: { tokenFile, fallback: token } },
  };
}

/** The pod's namespace, when kubelet mounted it (it always does for a service account token). */
function podNamespace(file: string): string | undefined {
  let ns = "";
  try {
    ns = readFileSync(file, "utf8").trim();
  } catch {
    // No namespace file: the operator does not need it, the CLI then defaults to "default".
  }
  return ns === "" ? undefined : ns;
}
