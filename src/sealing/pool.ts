/**
 * A fixed pool of worker threads that open SealedSecrets, so thousands of RSA-4096 decryptions
 * never stall the event loop that serves watches and the HTTP API. Keys are pushed to every
 * worker with {@link UnsealPool.setKeys}; {@link UnsealPool.open} returns the opened content
 * (then `buildSecret` runs on the main thread, where the template engine lives).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { KsealError } from "../errors.ts";
import type { KeyRing } from "./keys.ts";
import type { OpenedSealedSecret } from "./sealedsecret.ts";
import type { SealedSecret } from "./types.ts";

type Reply =
  | { id: number; ok: true; opened: OpenedSealedSecret }
  | { id: number; ok: false; code: string; message: string; details: Record<string, string | number | boolean> };

interface Slot {
  readonly worker: Worker;
  busy: number;
}

/** The worker module next to this one, in whichever extension this build runs (.ts or .js). */
function workerUrl(): URL {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  return new URL(`./unseal-worker${ext}`, import.meta.url);
}

export class UnsealPool {
  readonly #slots: Slot[] = [];
  readonly #pending = new Map<number, { resolve: (o: OpenedSealedSecret) => void; reject: (e: unknown) => void; slot: Slot }>();
  readonly #acceptV1Data: boolean;
  #nextId = 1;
  #closed = false;

  /**
   * `size`: worker threads; default one per core. The RSA private-key operations are the whole cost
   * of a cold unseal while the main thread mostly waits on the API server, so leaving a core to it
   * (cores − 1) left half of a two-core node idle (measured: 1,000 SealedSecrets in 24 s with one
   * worker, 19 s with two, on two cores). Go's runtime spreads Bitnami's controller the same way.
   */
  constructor(options: { size?: number; acceptV1Data?: boolean } = {}) {
    const size = Math.max(1, options.size ?? availableParallelism());
    this.#acceptV1Data = options.acceptV1Data ?? true;
    for (let i = 0; i < size; i++) {
      const worker = new Worker(workerUrl());
      const slot: Slot = { worker, busy: 0 };
      worker.on("message", (r: Reply) => {
        this.#settle(r);
      });
      worker.on("error", (e: unknown) => {
        this.#failSlot(slot, e);
      });
      worker.unref();
      this.#slots.push(slot);
    }
  }

  get size(): number {
    return this.#slots.length;
  }

  /** Replaces the keys in every worker (call after loading or rotating keys). */
  setKeys(ring: KeyRing): void {
    const keys = ring.keys.map((k) => ({ pem: k.privateKey.export({ type: "pkcs1", format: "pem" }).toString(), createdAt: k.createdAt.getTime() }));
    for (const s of this.#slots) s.worker.postMessage({ type: "keys", keys });
  }

  /** Opens `ss` on the least busy worker. Rejects with the KsealError the worker raised. */
  open(ss: SealedSecret): Promise<OpenedSealedSecret> {
    if (this.#closed) return Promise.reject(new KsealError("SEALING_POOL_CLOSED", "the unseal pool is closed"));
    const slot = this.#slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.#nextId++;
    slot.busy++;
    if (slot.busy === 1) slot.worker.ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, slot });
      slot.worker.postMessage({ type: "open", id, ss, acceptV1Data: this.#acceptV1Data });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
    for (const [, p] of this.#pending) p.reject(new KsealError("SEALING_POOL_CLOSED", "the unseal pool is closed"));
    this.#pending.clear();
  }

  #release(slot: Slot): void {
    slot.busy--;
    if (slot.busy === 0) slot.worker.unref();
  }

  #settle(r: Reply): void {
    const p = this.#pending.get(r.id);
    if (p === undefined) return;
    this.#pending.delete(r.id);
    this.#release(p.slot);
    if (r.ok) {
      const opened: OpenedSealedSecret =
        r.opened.kind === "items"
          ? { kind: "items", items: new Map([...r.opened.items].map(([k, v]) => [k, Buffer.from(v)])) }
          : r.opened;
      p.resolve(opened);
    } else p.reject(new KsealError(r.code, r.message, { details: r.details }));
  }

  #failSlot(slot: Slot, cause: unknown): void {
    for (const [id, p] of this.#pending) {
      if (p.slot !== slot) continue;
      this.#pending.delete(id);
      this.#release(slot);
      p.reject(new KsealError("SEALING_WORKER_FAILED", "an unseal worker crashed", { cause }));
    }
  }
}
