/**
 * STS credentials cached per store identity until shortly before they expire, so `role` and
 * `auth.jwt` cost one AssumeRole(WithWebIdentity) per credential lifetime rather than one per
 * client (ESO assumes the role on every reconcile). Concurrent misses share one STS call; the
 * web-identity token is requested from Kubernetes only on a miss. Pure apart from the injected
 * `assume` function and clock.
 */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface StsCredentials extends AwsCredentials {
  /** ms since epoch; absent when STS did not say (then cached for {@link DEFAULT_LIFETIME_MS}). */
  readonly expiresAt?: number;
}

export interface AssumeRoleRequest {
  readonly region: string;
  readonly endpoint?: string;
  readonly role: string;
  readonly sessionName: string;
  /** Credentials to call AssumeRole with; else the SDK's default chain. */
  readonly credentials?: AwsCredentials;
  /** For AssumeRoleWithWebIdentity (IRSA-style). */
  readonly webIdentityToken?: string;
}

/** Refresh this long before expiry, at most (a third of the lifetime for short ones). */
export const REFRESH_MARGIN_MS = 5 * 60_000;
export const DEFAULT_LIFETIME_MS = 15 * 60_000;

interface Entry {
  readonly creds: StsCredentials;
  readonly refreshAt: number;
}

export class StsCredentialCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<StsCredentials>>();
  /** STS calls made (for tests and metrics). */
  calls = 0;

  /**
   * Valid credentials for `key`: cached ones until their refresh time, else from `request()` (which
   * builds the STS request, e.g. fetching a web-identity token) and `assume`. Errors are not cached.
   */
  async get(
    key: string,
    now: () => number,
    request: () => Promise<AssumeRoleRequest>,
    assume: (r: AssumeRoleRequest) => Promise<StsCredentials>,
  ): Promise<StsCredentials> {
    const hit = this.#entries.get(key);
    if (hit !== undefined && now() < hit.refreshAt) return hit.creds;
    const running = this.#inflight.get(key);
    if (running !== undefined) return running;
    const p = (async () => {
      const req = await request();
      this.calls++;
      const obtained = now();
      const creds = await assume(req);
      const expiresAt = creds.expiresAt ?? obtained + DEFAULT_LIFETIME_MS;
      const margin = Math.min(REFRESH_MARGIN_MS, Math.max(0, expiresAt - obtained) / 3);
      this.#entries.set(key, { creds, refreshAt: expiresAt - margin });
      return creds;
    })().finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, p);
    return p;
  }

  /** Forgets credentials (e.g. after the store rejected them). */
  invalidate(key: string): void {
    this.#entries.delete(key);
  }
}
