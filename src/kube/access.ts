/**
 * How {@link KubeHttp} reaches an API server: the server's URL and, per request burst, the
 * credential headers and the connection pool that carries the cluster's TLS settings.
 *
 * A kubeconfig context or the in-cluster service account is first resolved into plain data
 * ({@link ResolvedAccess}, see kubeconfig-file.ts and in-cluster.ts); {@link kubeAccess} turns that
 * into a {@link KubeAccess}. Users whose credentials come from an `exec` plugin or a legacy
 * `auth-provider`, and clusters behind a `proxy-url`, are handed to @kubernetes/client-node, imported
 * only then: it cost the operator ~50 MB of memory and most of a second of start-up (ADR 0005),
 * which every other user is spared.
 *
 * @see KubeHttp
 */
import { KsealError } from "../errors.ts";
import { credentialHeaders } from "./credentials.ts";
import { keepAliveAgent, type HeaderValues, type HttpAgent } from "./transport.ts";

/** Everything needed to send requests to one API server as one user. */
export interface KubeAccess {
  /** The API server's base URL (`https://10.0.0.1:443`), without a trailing slash. */
  readonly server: string;
  /** The namespace the context names (in cluster: the pod's own), if any. */
  readonly namespace: string | undefined;
  /**
   * Credentials for the next requests. Called again whenever the caller's cache expires, so that
   * rotated tokens are picked up. Throws `KUBE_CREDENTIALS_UNAVAILABLE` when none can be had
   * (an unreadable token file that was never read, a failing credential plugin).
   */
  credentials(): Promise<Credentials>;
}

export interface Credentials {
  /** Authorization and impersonation headers (a list: one header line each); empty for an anonymous user. */
  readonly headers: HeaderValues;
  /** The connection pool with the cluster's TLS settings (an HttpsAgent for an https: server). */
  readonly agent: HttpAgent;
}

/** TLS settings of a cluster and its user, with every file already read. */
export interface TlsSettings {
  /** PEM of the CAs to trust instead of the system's. */
  readonly ca?: Buffer;
  /** Client certificate and key (PEM), for users that authenticate with one. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** `insecure-skip-tls-verify`: accept any server certificate. */
  readonly insecureSkipVerify: boolean;
  /** `tls-server-name`: the name to send as SNI and to verify the certificate against. */
  readonly serverName?: string;
}

/** A bearer token, either fixed or read from a file that may be rewritten (projected tokens). */
export type BearerToken =
  | { readonly token: string }
  | {
    readonly tokenFile: string;
    /** What to send when the file cannot be read: its last content, else the kubeconfig's `token`. */
    readonly fallback: string | undefined;
  };

/** The credentials of a kubeconfig user that kseal sends itself. */
export interface UserCredentials {
  readonly bearer?: BearerToken;
  /** HTTP basic auth; a bearer token wins when both are set. */
  readonly basic?: { readonly username: string; readonly password: string };
  /** `as`: the user to impersonate. */
  readonly impersonate?: string;
  /** `as-groups`: the groups to impersonate, one `Impersonate-Group` header each. */
  readonly impersonateGroups?: readonly string[];
  /** `as-uid`: the UID to impersonate. */
  readonly impersonateUid?: string;
}

/** Why a kubeconfig is handed to client-node rather than used directly. */
export type DelegationReason = "exec" | "auth-provider" | "proxy-url";

/** A kubeconfig context or the in-cluster service account, resolved into data. */
export type ResolvedAccess =
  | {
    readonly kind: "direct";
    readonly server: string;
    readonly namespace: string | undefined;
    readonly tls: TlsSettings;
    readonly user: UserCredentials;
  }
  | {
    readonly kind: "client-node";
    readonly server: string;
    readonly namespace: string | undefined;
    readonly reason: DelegationReason;
    /** The kubeconfig file and context client-node loads, as kseal would have. */
    readonly kubeconfig: string;
    readonly context: string;
  };

/** The one connection pool of a cluster, built once: TLS material is not re-read per request. */
function clusterAgent(server: string, tls: TlsSettings): HttpAgent {
  return keepAliveAgent(server, {
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    ...(tls.serverName === undefined ? {} : { servername: tls.serverName }),
    // Only an explicit skip turns verification off; otherwise Node's default (and its
    // NODE_TLS_REJECT_UNAUTHORIZED switch) applies, as with client-node.
    ...(tls.insecureSkipVerify ? { rejectUnauthorized: false } : {}),
  });
}

/** A {@link KubeAccess} for resolved settings. Builds no connection until the first request. */
export function kubeAccess(resolved: ResolvedAccess): KubeAccess {
  if (resolved.kind === "client-node") return delegatedAccess(resolved);
  const agent = clusterAgent(resolved.server, resolved.tls);
  const headers = credentialHeaders(resolved.user);
  return {
    server: resolved.server,
    namespace: resolved.namespace,
    async credentials() {
      return { headers: await headers(), agent };
    },
  };
}

/** client-node, imported on the first request of a user that needs it. */
function delegatedAccess(resolved: Extract<ResolvedAccess, { kind: "client-node" }>): KubeAccess {
  let loaded: Promise<KubeAccess> | undefined;
  const load = async (): Promise<KubeAccess> => {
    const { clientNodeAccessFromFile } = await import("./client-node-access.ts");
    return clientNodeAccessFromFile(resolved.kubeconfig, resolved.context);
  };
  return {
    server: resolved.server,
    namespace: resolved.namespace,
    async credentials() {
      // A kubeconfig that client-node could not load is tried again at the next refresh.
      loaded ??= load().catch((e: unknown) => {
        loaded = undefined;
        throw e;
      });
      try {
        return await (await loaded).credentials();
      } catch (e: unknown) {
        if (e instanceof KsealError) throw e;
        // A plugin's own message may quote what it printed, credentials included.
        throw new KsealError("KUBE_CREDENTIALS_UNAVAILABLE", `cannot get credentials for the kubeconfig user (${resolved.reason})`, {
          cause: e, details: { path: resolved.kubeconfig, reason: resolved.reason },
        });
      }
    },
  };
}
