/**
 * Vault authentication with a per-store token cache: one login per store, renewed (renew-self)
 * before it expires, logged in again only when renewal is impossible — unlike ESO, which logs in
 * on every reconcile. Pure of I/O except through the port and the StoreContext.
 */
import { readFile } from "node:fs/promises";
import { StoreErrorCode, storeError, type StoreContext } from "../contract.ts";
import { fromUtf8 } from "../support.ts";
import type { VaultPort } from "./port.ts";
import type { VaultAuthSpec } from "./spec.ts";

interface CachedToken {
  readonly token: string;
  /** ms since epoch; Infinity for non-expiring tokens. */
  readonly expiresAt: number;
  /** When to renew (ms since epoch). */
  readonly renewAt: number;
  readonly renewable: boolean;
}

/** Renew when this fraction of the TTL has passed. */
const RENEW_FRACTION = 2 / 3;
const SA_TOKEN_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/token";

function authFailed(store: string, method: string, cause?: unknown, status?: number): Error {
  const details: Record<string, string | number> = { store, method };
  if (status !== undefined) details.status = status;
  return storeError(StoreErrorCode.AuthFailed, `vault: ${method} login failed for store "${store}"`, { cause, details });
}

function loginResult(body: unknown, now: number): CachedToken | undefined {
  const auth = (body as { auth?: { client_token?: unknown; lease_duration?: unknown; renewable?: unknown } } | null)?.auth;
  if (auth === undefined || typeof auth.client_token !== "string") return undefined;
  const ttlMs = typeof auth.lease_duration === "number" && auth.lease_duration > 0 ? auth.lease_duration * 1000 : Infinity;
  return {
    token: auth.client_token,
    expiresAt: now + ttlMs,
    renewAt: ttlMs === Infinity ? Infinity : now + ttlMs * RENEW_FRACTION,
    renewable: auth.renewable === true,
  };
}

/** Caches tokens by store identity + auth config; shared by every client of a provider. */
export class VaultTokenCache {
  readonly #entries = new Map<string, CachedToken>();
  readonly #inflight = new Map<string, Promise<string>>();
  /** Logins and renewals performed (for tests and metrics). */
  logins = 0;
  renewals = 0;

  /** A valid token for the store, logging in or renewing as needed. */
  async token(cacheKey: string, auth: VaultAuthSpec, port: VaultPort, ctx: StoreContext): Promise<string> {
    if (auth.method === "token") {
      return fromUtf8(await ctx.readSecretKey(auth.tokenSecretRef)).trim();
    }
    const now = ctx.now();
    const hit = this.#entries.get(cacheKey);
    if (hit !== undefined && now < hit.renewAt) return hit.token;
    const running = this.#inflight.get(cacheKey);
    if (running !== undefined) return running;
    const p = this.#refresh(cacheKey, hit, auth, port, ctx).finally(() => this.#inflight.delete(cacheKey));
    this.#inflight.set(cacheKey, p);
    return p;
  }

  /** Forgets a token (e.g. after Vault said it is invalid); with `token`, only if that is still the cached one. */
  invalidate(cacheKey: string, token?: string): void {
    if (token === undefined || this.#entries.get(cacheKey)?.token === token) this.#entries.delete(cacheKey);
  }

  async #refresh(cacheKey: string, hit: CachedToken | undefined, auth: Exclude<VaultAuthSpec, { method: "token" }>, port: VaultPort, ctx: StoreContext): Promise<string> {
    if (hit !== undefined && hit.renewable && ctx.now() < hit.expiresAt) {
      const res = await port.request({ method: "POST", path: "auth/token/renew-self", token: hit.token, body: {} });
      const renewed = res.status === 200 ? loginResult(res.body, ctx.now()) : undefined;
      if (renewed !== undefined) {
        this.renewals++;
        const entry = { ...renewed, token: hit.token };
        this.#entries.set(cacheKey, entry);
        return entry.token;
      }
    }
    const body = await this.#login(auth, port, ctx);
    const fresh = loginResult(body, ctx.now());
    if (fresh === undefined) throw authFailed(ctx.storeName, auth.method);
    this.logins++;
    this.#entries.set(cacheKey, fresh);
    return fresh.token;
  }

  async #login(auth: Exclude<VaultAuthSpec, { method: "token" }>, port: VaultPort, ctx: StoreContext): Promise<unknown> {
    let path: string;
    let body: Record<string, string>;
    switch (auth.method) {
      case "appRole": {
        const roleId = auth.roleId ?? (auth.roleRef === undefined ? "" : fromUtf8(await ctx.readSecretKey(auth.roleRef)).trim());
        const secretId = fromUtf8(await ctx.readSecretKey(auth.secretRef)).trim();
        path = `auth/${auth.path}/login`;
        body = { role_id: roleId, secret_id: secretId };
        break;
      }
      case "kubernetes": {
        let jwt: string;
        if (auth.serviceAccountRef !== undefined) jwt = await ctx.createServiceAccountToken(auth.serviceAccountRef);
        else if (auth.secretRef !== undefined) jwt = fromUtf8(await ctx.readSecretKey(auth.secretRef)).trim();
        else {
          try {
            jwt = (await readFile(SA_TOKEN_FILE, "utf8")).trim();
          } catch (e: unknown) {
            throw authFailed(ctx.storeName, auth.method, e);
          }
        }
        path = `auth/${auth.mountPath}/login`;
        body = { role: auth.role, jwt };
        break;
      }
      case "jwt": {
        let jwt: string;
        if (auth.kubernetesServiceAccountToken !== undefined) {
          // ESO's default audience for the jwt method is "vault" (kubernetes auth keeps the API server's).
          const sa = auth.kubernetesServiceAccountToken;
          jwt = await ctx.createServiceAccountToken(sa.audiences === undefined ? { ...sa, audiences: ["vault"] } : sa);
        } else if (auth.secretRef !== undefined) {
          jwt = fromUtf8(await ctx.readSecretKey(auth.secretRef)).trim();
        } else {
          throw storeError(StoreErrorCode.InvalidConfig, "vault: auth.jwt needs secretRef or kubernetesServiceAccountToken", {
            details: { field: "spec.provider.vault.auth.jwt" },
          });
        }
        path = `auth/${auth.path}/login`;
        body = { jwt, ...(auth.role === undefined ? {} : { role: auth.role }) };
        break;
      }
    }
    let res;
    try {
      res = await port.request({ method: "POST", path, body });
    } catch (e: unknown) {
      throw storeError(StoreErrorCode.Unavailable, `vault: unreachable for store "${ctx.storeName}" (login)`, {
        cause: e,
        details: { store: ctx.storeName },
      });
    }
    if (res.status === 200) return res.body;
    if (res.status === 429) {
      throw storeError(StoreErrorCode.Throttled, `vault: throttled on store "${ctx.storeName}" (login)`, { details: { store: ctx.storeName } });
    }
    if (res.status >= 500) {
      throw storeError(StoreErrorCode.Unavailable, `vault: unavailable (HTTP ${String(res.status)}) for store "${ctx.storeName}" (login)`, {
        details: { store: ctx.storeName, status: res.status },
      });
    }
    throw authFailed(ctx.storeName, auth.method, undefined, res.status);
  }
}
