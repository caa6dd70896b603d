/**
 * The controller's HTTP API as plain functions (request body in, status + body out), so the
 * operator's health server can mount them and tests can call them without sockets:
 * `GET /v1/cert.pem`, `POST /v1/verify` (200 opens / 409 does not / 400 not a SealedSecret,
 * rate limited like Bitnami's: 2 per second, burst 2, 429 beyond), `POST /v1/rotate`
 * (re-sealed with the newest key, 200 JSON; 500 when it cannot be opened, as Bitnami).
 */
import type { KeyRing } from "./keys.ts";
import { sealSecret, type TemplateRenderer } from "./sealedsecret.ts";
import type { SealedSecret, Secret } from "./types.ts";

export interface HttpReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Opens a SealedSecret into its Secret (the controller passes its worker pool here). */
export type Opener = (ss: SealedSecret) => Promise<Secret>;

const MAX_BODY = 2 << 20;

function reply(status: number, body = "", contentType = "text/plain; charset=utf-8"): HttpReply {
  return { status, headers: { "Content-Type": contentType }, body };
}

/** `GET /v1/cert.pem`: the newest key's certificate; 500 when there is no key yet. */
export function handleCert(ring: KeyRing): HttpReply {
  const latest = ring.latest();
  if (latest === null || latest.certificatePem === "") return reply(500, "cannot get certificate\n");
  return reply(200, latest.certificatePem, "application/x-pem-file");
}

function parseSealedSecret(body: Uint8Array): SealedSecret | null {
  if (body.byteLength > MAX_BODY) return null;
  try {
    const o = JSON.parse(Buffer.from(body).toString("utf8")) as Partial<SealedSecret> | null;
    if (o === null || typeof o !== "object" || o.kind !== "SealedSecret" || typeof o.spec !== "object") return null;
    return { ...(o as SealedSecret), metadata: o.metadata ?? {} };
  } catch {
    return null;
  }
}

/** `POST /v1/verify`: 200 when the controller can open the body, 409 when not. */
export async function handleVerify(body: Uint8Array, open: Opener, limiter: RateLimiter, now: number): Promise<HttpReply> {
  if (!limiter.take(now)) return { ...reply(429, "rate limit exceeded\n"), headers: { "Content-Type": "text/plain; charset=utf-8", "Retry-After": "1" } };
  const ss = parseSealedSecret(body);
  if (ss === null) return reply(400);
  try {
    await open(ss);
    return reply(200);
  } catch {
    return reply(409);
  }
}

/**
 * `POST /v1/rotate`: opens the body and seals it again with the newest key (keeping its scope,
 * with the key-id hint). Template metadata is aligned to the object's metadata first, as Bitnami
 * does. 400 for a body that is not a SealedSecret, 500 when it cannot be opened.
 */
export async function handleRotate(body: Uint8Array, open: Opener, ring: KeyRing): Promise<HttpReply> {
  const ss = parseSealedSecret(body);
  if (ss === null) return reply(400);
  const latest = ring.latest();
  if (latest === null) return reply(500);
  let secret: Secret;
  try {
    secret = await open(ss);
  } catch {
    return reply(500);
  }
  const { ownerReferences: _owner, ...meta } = secret.metadata;
  const input: Secret = { ...secret, metadata: { ...meta, annotations: { ...(meta.annotations ?? {}), ...pickScope(ss.metadata.annotations) } } };
  const resealed = sealSecret(input, { publicKey: latest.publicKey, fingerprint: latest.fingerprint, allowEmptyData: true });
  if (ss.spec.template?.data != null) resealed.spec.template = { ...resealed.spec.template, data: ss.spec.template.data };
  return reply(200, JSON.stringify(resealed), "application/json");
}

function pickScope(a: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ["sealedsecrets.bitnami.com/cluster-wide", "sealedsecrets.bitnami.com/namespace-wide"]) {
    const v = a?.[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** A token bucket with an injected clock (ms). Bitnami's defaults: 2 per second, burst 2. */
export class RateLimiter {
  readonly #perSecond: number;
  readonly #burst: number;
  #tokens: number;
  #last: number | null = null;

  constructor(perSecond = 2, burst = 2) {
    this.#perSecond = perSecond;
    this.#burst = burst;
    this.#tokens = burst;
  }

  /** Takes one token at time `nowMs`; false when none is left. */
  take(nowMs: number): boolean {
    if (this.#last !== null) this.#tokens = Math.min(this.#burst, this.#tokens + ((nowMs - this.#last) / 1000) * this.#perSecond);
    this.#last = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Decrypted data of template-rendered SealedSecrets needs the engine; re-exported for wiring. */
export type { TemplateRenderer };
