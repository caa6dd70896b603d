/**
 * Worker-thread side of {@link UnsealPool}: holds the current keys and opens SealedSecrets
 * (the RSA work) off the main event loop. Messages: `{type:"keys", keys}` and
 * `{type:"open", id, ss}` → `{id, ok:true, opened}` | `{id, ok:false, code, message}`.
 */
import { parentPort } from "node:worker_threads";
import { KsealError } from "../errors.ts";
import { KeyRing, sealingKeyFromPem } from "./keys.ts";
import { openSealedSecret } from "./sealedsecret.ts";
import type { SealedSecret } from "./types.ts";

interface WireKey {
  readonly pem: string;
  readonly createdAt: number;
}

let ring = new KeyRing([]);

parentPort?.on("message", (msg: { type: "keys"; keys: WireKey[] } | { type: "open"; id: number; ss: SealedSecret; acceptV1Data: boolean }) => {
  if (msg.type === "keys") {
    ring = new KeyRing(msg.keys.map((k) => sealingKeyFromPem(k.pem, { createdAt: new Date(k.createdAt) })));
    return;
  }
  try {
    const opened = openSealedSecret(msg.ss, ring, { acceptV1Data: msg.acceptV1Data });
    parentPort?.postMessage({ id: msg.id, ok: true, opened });
  } catch (e: unknown) {
    const err = e instanceof KsealError ? e : new KsealError("SEALING_UNSEAL_FAILED", "unexpected failure while unsealing");
    parentPort?.postMessage({ id: msg.id, ok: false, code: err.code, message: err.message, details: err.details });
  }
});

