/**
 * OpenBao (Vault-compatible) in dev mode on loopback: in-memory storage, unsealed, a KV v2 engine
 * at `secret/`, and a root token we choose (random per start).
 *
 * Also: small admin helpers over its HTTP API (policies, kubernetes/approle/jwt auth) for tests
 * that need more than the root token.
 */
import { randomBytes } from "node:crypto";
import { freePort, peerBin, startProcess, type PeerProcess } from "./process.ts";

export interface OpenBaoPeer {
  readonly process: PeerProcess;
  /** `http://127.0.0.1:<port>` */
  readonly addr: string;
  /** The dev root token. */
  readonly token: string;
}

export async function start(opts: { logDir: string; daemon?: boolean }): Promise<OpenBaoPeer> {
  const port = await freePort();
  const token = `root-${randomBytes(12).toString("hex")}`;
  const addr = `http://127.0.0.1:${String(port)}`;
  const proc = await startProcess({
    name: "openbao",
    command: peerBin("bao"),
    args: ["server", "-dev", `-dev-root-token-id=${token}`, `-dev-listen-address=127.0.0.1:${String(port)}`],
    logDir: opts.logDir,
    // A dev server must not pick up the developer's own ~/.vault-token or agent settings.
    env: { VAULT_ADDR: addr, BAO_ADDR: addr, HOME: opts.logDir },
    ...(opts.daemon === undefined ? {} : { daemon: opts.daemon }),
    ready: async () => {
      // Ready means: unsealed, active, and the dev KV v2 mount answers with our token.
      const health = await fetch(`${addr}/v1/sys/health`);
      if (health.status !== 200) return false;
      const mounts = await fetch(`${addr}/v1/sys/mounts/secret/tune`, { headers: { "X-Vault-Token": token } });
      return mounts.status === 200;
    },
  });
  return { process: proc, addr, token };
}

/** A raw call to the OpenBao HTTP API; throws with the status and error strings on non-2xx. */
export async function baoApi(
  peer: { readonly addr: string; readonly token: string },
  method: "GET" | "POST" | "PUT" | "DELETE" | "LIST",
  path: string,
  body?: unknown,
): Promise<unknown> {
  const init: RequestInit = { method, headers: { "X-Vault-Token": peer.token, "Content-Type": "application/json" } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(`${peer.addr}/v1/${path.replace(/^\/+/, "")}`, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`openbao ${method} ${path}: HTTP ${String(res.status)} ${text.slice(0, 300)}`);
  return text === "" ? undefined : (JSON.parse(text) as unknown);
}

/** Creates or replaces an ACL policy. */
export async function putPolicy(peer: { addr: string; token: string }, name: string, hcl: string): Promise<void> {
  await baoApi(peer, "PUT", `sys/policies/acl/${name}`, { policy: hcl });
}

export interface KubernetesAuthConfig {
  /** The API server URL OpenBao calls for TokenReview, e.g. `https://127.0.0.1:6443`. */
  readonly kubernetesHost: string;
  /** PEM of the API server's serving CA. */
  readonly caPem: string;
  /**
   * A JWT allowed to call TokenReview. When omitted, OpenBao uses the JWT being checked as the
   * reviewer (which then needs `system:auth-delegator` itself).
   */
  readonly reviewerJwt?: string;
  /** Mount path; default `kubernetes`. */
  readonly mount?: string;
}

/** Enables (idempotently) and configures the kubernetes auth method against a real API server. */
export async function enableKubernetesAuth(peer: { addr: string; token: string }, cfg: KubernetesAuthConfig): Promise<void> {
  const mount = cfg.mount ?? "kubernetes";
  const auths = (await baoApi(peer, "GET", "sys/auth")) as { data?: Record<string, unknown> };
  if (auths.data?.[`${mount}/`] === undefined) {
    await baoApi(peer, "POST", `sys/auth/${mount}`, { type: "kubernetes" });
  }
  await baoApi(peer, "POST", `auth/${mount}/config`, {
    kubernetes_host: cfg.kubernetesHost,
    kubernetes_ca_cert: cfg.caPem,
    ...(cfg.reviewerJwt === undefined ? {} : { token_reviewer_jwt: cfg.reviewerJwt }),
    disable_local_ca_jwt: true,
  });
}

/** Creates a kubernetes auth role binding service accounts to policies. */
export async function putKubernetesRole(
  peer: { addr: string; token: string },
  role: {
    readonly name: string;
    readonly serviceAccounts: readonly string[];
    readonly namespaces: readonly string[];
    readonly policies: readonly string[];
    readonly audience?: string;
    readonly ttl?: string;
    readonly mount?: string;
  },
): Promise<void> {
  await baoApi(peer, "POST", `auth/${role.mount ?? "kubernetes"}/role/${role.name}`, {
    bound_service_account_names: role.serviceAccounts,
    bound_service_account_namespaces: role.namespaces,
    token_policies: role.policies,
    token_ttl: role.ttl ?? "1h",
    ...(role.audience === undefined ? {} : { audience: role.audience }),
  });
}

/** Enables (idempotently) an auth method of `type` at `mount`. */
export async function enableAuth(peer: { addr: string; token: string }, mount: string, type: string): Promise<void> {
  const auths = (await baoApi(peer, "GET", "sys/auth")) as { data?: Record<string, unknown> };
  if (auths.data?.[`${mount}/`] === undefined) await baoApi(peer, "POST", `sys/auth/${mount}`, { type });
}
