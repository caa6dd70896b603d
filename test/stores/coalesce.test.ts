// The read coalescer against a hand-written fake client and an injected clock: shared in-flight
// calls, the reuse window, not-found reuse, identity separation, rate limit, throttling backoff,
// the provider-call metric and close.
import { describe, expect, it } from "vitest";
import { defaultStoreRate, ReadCoalescer, storeIdentity, type CallName, type CallStatus, type CoalesceOptions, type StoreIdentity } from "../../src/stores/coalesce.ts";
import { SecretNotFoundError, StoreErrorCode, storeError, type FindSpec, type RemoteRef, type SecretsClient, type ValidationResult } from "../../src/stores/contract.ts";
import { isKsealError } from "../../src/errors.ts";

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A store of JSON values; every call is recorded; calls wait on `gate` when one is set. */
class FakeClient implements SecretsClient {
  readonly calls: string[] = [];
  readonly values = new Map<string, string>();
  /** Scripted failures consumed in order, per key. */
  readonly failures = new Map<string, Error[]>();
  gate: Promise<void> | undefined;
  closed = false;

  async #enter(what: string, key: string): Promise<void> {
    this.calls.push(`${what} ${key}`);
    if (this.gate !== undefined) await this.gate;
    else await Promise.resolve();
    const f = this.failures.get(key)?.shift();
    if (f !== undefined) throw f;
  }

  async getSecret(ref: RemoteRef): Promise<Uint8Array> {
    await this.#enter(`get${ref.property === undefined ? "" : `[${ref.property}]`}${ref.version === undefined ? "" : `@${ref.version}`}${ref.metadataPolicy === "Fetch" ? "+meta" : ""}`, ref.key);
    const v = this.values.get(ref.key);
    if (v === undefined) throw new SecretNotFoundError("s", ref.key);
    return enc(v);
  }

  async getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array>> {
    await this.#enter("map", ref.key);
    return { whole: enc(this.values.get(ref.key) ?? "") };
  }

  async findSecrets(find: FindSpec): Promise<Record<string, Uint8Array>> {
    await this.#enter("find", JSON.stringify(find));
    return Object.fromEntries([...this.values].map(([k, v]) => [k, enc(v)]));
  }

  async validate(): Promise<ValidationResult> {
    await this.#enter("validate", "");
    return { ready: true, reason: "Valid", message: "ok" };
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function setup(opts: Partial<CoalesceOptions> = {}, provider = "vault") {
  let now = 1_000_000;
  const sleeps: number[] = [];
  const metrics: string[] = [];
  const co = new ReadCoalescer({
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
    rate: { perSecond: 1e9, burst: 1e9 },
    onCall: (p: string, c: CallName, s: CallStatus) => metrics.push(`${p} ${c} ${s}`),
    ...opts,
  });
  const id = storeIdentity(provider, { storeKind: "SecretStore", storeName: "s", namespace: "ns", providerSpec: { server: "http://v" } });
  const fake = new FakeClient();
  return { co, id, fake, client: co.wrap(id, fake), sleeps, metrics, advance: (ms: number) => (now += ms), now: () => now };
}

describe("read coalescing", () => {
  it("10,000 concurrent reads over 1,000 distinct keys cost exactly 1,000 calls", async () => {
    const { co, id, fake, metrics } = setup();
    for (let i = 0; i < 1000; i++) fake.values.set(`k${String(i)}`, JSON.stringify({ user: `u${String(i)}`, pass: `p${String(i)}` }));
    const gate = deferred();
    fake.gate = gate.promise;
    // Ten ExternalSecrets per key, each with its own client of the same store, asking in different shapes.
    const reads: Promise<unknown>[] = [];
    for (let n = 0; n < 10_000; n++) {
      const c = co.wrap(id, fake);
      const key = `k${String(n % 1000)}`;
      const shape = Math.floor(n / 1000) % 3;
      reads.push(shape === 0 ? c.getSecret({ key }) : shape === 1 ? c.getSecret({ key, property: "pass" }) : c.getSecretMap({ key }));
    }
    gate.resolve();
    const out = await Promise.all(reads);
    expect(fake.calls).toHaveLength(1000);
    expect(new Set(fake.calls).size).toBe(1000);
    expect(metrics).toHaveLength(1000);
    expect(metrics.every((m) => m === "vault GetSecret success")).toBe(true);
    expect(co.stats).toMatchObject({ calls: 1000, joined: 9000, reused: 0 });
    expect(text(out[1001] as Uint8Array)).toBe("p1"); // n=1001: shape 1, key k1
    expect(Object.keys(out[2002] as Record<string, Uint8Array>).sort()).toEqual(["pass", "user"]);
  });

  it("reuses a completed read within the window and reads again after it", async () => {
    const { fake, client, advance } = setup({ reuseMs: 5000 });
    fake.values.set("a", '{"v":"1"}');
    expect(text(await client.getSecret({ key: "a", property: "v" }))).toBe("1");
    fake.values.set("a", '{"v":"2"}');
    advance(4999);
    expect(text(await client.getSecret({ key: "a", property: "v" }))).toBe("1");
    advance(1);
    expect(text(await client.getSecret({ key: "a", property: "v" }))).toBe("2");
    expect(fake.calls).toEqual(["get a", "get a"]);
  });

  it("reuseMs 0 shares only in-flight calls", async () => {
    const { fake, client } = setup({ reuseMs: 0 });
    fake.values.set("a", "{}");
    await Promise.all([client.getSecret({ key: "a" }), client.getSecret({ key: "a" })]);
    await client.getSecret({ key: "a" });
    expect(fake.calls).toEqual(["get a", "get a"]);
  });

  it("shares an error among concurrent callers but never reuses it afterwards", async () => {
    const { fake, client } = setup();
    fake.values.set("a", "{}");
    fake.failures.set("a", [storeError(StoreErrorCode.Unavailable, "vault: unavailable")]);
    const both = await Promise.allSettled([client.getSecret({ key: "a" }), client.getSecret({ key: "a", property: "x" })]);
    expect(both.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(both.every((r) => r.status === "rejected" && isKsealError(r.reason, StoreErrorCode.Unavailable))).toBe(true);
    expect(text(await client.getSecret({ key: "a" }))).toBe("{}");
    expect(fake.calls).toEqual(["get a", "get a"]);
  });

  it("reuses not-found for the window (it is an answer) and asks again after", async () => {
    const { fake, client, advance } = setup({ reuseMs: 1000 });
    await expect(client.getSecret({ key: "gone" })).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(client.getSecretMap({ key: "gone" })).rejects.toBeInstanceOf(SecretNotFoundError);
    fake.values.set("gone", "{}");
    advance(1000);
    expect(text(await client.getSecret({ key: "gone" }))).toBe("{}");
    expect(fake.calls).toEqual(["get gone", "get gone"]);
  });

  it.each([
    ["a different version", { key: "a", version: "2" }, "get@2 a"],
    ["metadata instead of the value", { key: "a", metadataPolicy: "Fetch" as const }, "get+meta a"],
    ["another key", { key: "b" }, "get b"],
  ])("does not share a read with %s", async (_why, other: RemoteRef, call) => {
    const { fake, client } = setup();
    fake.values.set("a", "{}");
    fake.values.set("b", "{}");
    await Promise.all([client.getSecret({ key: "a" }), client.getSecret(other)]);
    expect(fake.calls.sort()).toEqual(["get a", call].sort());
  });

  it("applies properties locally with the provider's errors", async () => {
    const { fake, client } = setup();
    fake.values.set("j", '{"a.b":"exact","a":{"b":"path"},"n":{"x":1}}');
    fake.values.set("raw", "not json");
    expect(text(await client.getSecret({ key: "j", property: "a.b" }))).toBe("exact"); // exact key before gjson path
    expect(text(await client.getSecret({ key: "j", property: "n" }))).toBe('{"x":1}');
    await expect(client.getSecret({ key: "j", property: "zz" })).rejects.toMatchObject({ code: StoreErrorCode.NoSuchProperty, message: 'property "zz" not found in secret "j" of store "s"' });
    await expect(client.getSecret({ key: "raw", property: "a" })).rejects.toMatchObject({ code: StoreErrorCode.BadRequest, message: 'secret "raw" of store "s" is not JSON' });
    expect(text(await client.getSecret({ key: "raw" }))).toBe("not json");
    expect(text((await client.getSecretMap({ key: "j", property: "n" })).x ?? new Uint8Array())).toBe("1");
    expect(fake.calls).toEqual(["get j", "get raw"]);
  });

  it("coalesces per (method, property) for providers whose properties are not JSON paths", async () => {
    const { fake, client } = setup({}, "kubernetes");
    fake.values.set("a", "{}");
    await Promise.all([client.getSecret({ key: "a", property: "x" }), client.getSecret({ key: "a", property: "x" }), client.getSecret({ key: "a", property: "y" }), client.getSecretMap({ key: "a" })]);
    expect(fake.calls.sort()).toEqual(["get[x] a", "get[y] a", "map a"]);
  });

  it("coalesces find by its spec, independent of key order", async () => {
    const { fake, client } = setup();
    await Promise.all([client.findSecrets({ name: { regexp: "^a" }, tags: { t: "1", u: "2" } }), client.findSecrets({ tags: { u: "2", t: "1" }, name: { regexp: "^a" } })]);
    await client.findSecrets({ name: { regexp: "^b" } });
    expect(fake.calls.filter((c) => c.startsWith("find"))).toHaveLength(2);
  });

  it("never coalesces validate, but counts it", async () => {
    const { fake, client, metrics } = setup();
    await Promise.all([client.validate(), client.validate()]);
    expect(fake.calls).toEqual(["validate ", "validate "]);
    expect(metrics).toEqual(["vault Validate success", "vault Validate success"]);
  });
});

describe("store identity", () => {
  const base = { storeKind: "SecretStore" as const, storeName: "s", namespace: "a", providerSpec: { server: "http://v", auth: { x: 1, y: 2 } } };
  it.each([
    ["another namespace of a SecretStore", { ...base, namespace: "b" }, {}, false],
    ["another store name", { ...base, storeName: "t" }, {}, false],
    ["a ClusterSecretStore of the same name", { ...base, storeKind: "ClusterSecretStore" as const }, {}, false],
    ["another spec (other credentials)", { ...base, providerSpec: { server: "http://v", auth: { x: 1, y: 3 } } }, {}, false],
    ["the same spec with keys in another order", { ...base, providerSpec: { auth: { y: 2, x: 1 }, server: "http://v" } }, {}, true],
  ])("%s → shared: %s", (_why, other, opts, same) => {
    expect(storeIdentity("vault", base).id === storeIdentity("vault", other, opts).id).toBe(same);
  });

  it("a ClusterSecretStore is shared across namespaces only when said so", () => {
    const c = { ...base, storeKind: "ClusterSecretStore" as const };
    expect(storeIdentity("vault", c).id).not.toBe(storeIdentity("vault", { ...c, namespace: "b" }).id);
    expect(storeIdentity("vault", c, { sharedAcrossNamespaces: true }).id).toBe(storeIdentity("vault", { ...c, namespace: "b" }, { sharedAcrossNamespaces: true }).id);
  });

  it("two stores never share a result for the same key", async () => {
    const { co, fake } = setup();
    const other = new FakeClient();
    fake.values.set("a", '"one"');
    other.values.set("a", '"two"');
    const id2: StoreIdentity = storeIdentity("vault", { storeKind: "SecretStore", storeName: "s", namespace: "other", providerSpec: { server: "http://v" } });
    const id1 = storeIdentity("vault", { storeKind: "SecretStore", storeName: "s", namespace: "ns", providerSpec: { server: "http://v" } });
    const [a, b] = await Promise.all([co.wrap(id1, fake).getSecret({ key: "a" }), co.wrap(id2, other).getSecret({ key: "a" })]);
    expect([text(a), text(b)]).toEqual(['"one"', '"two"']);
  });
});

describe("rate limit and backoff", () => {
  it("spends a token per call and waits for refills (burst 2, 1/s)", async () => {
    const { fake, client, sleeps, now } = setup({ rate: { perSecond: 1, burst: 2 } });
    const t0 = now();
    for (const k of ["a", "b", "c", "d", "e"]) fake.values.set(k, "{}");
    await Promise.all(["a", "b", "c", "d", "e"].map(async (key) => client.getSecret({ key })));
    expect(fake.calls).toHaveLength(5);
    expect(sleeps).toEqual([1000, 1000, 1000]);
    expect(now() - t0).toBe(3000);
  });

  it("takes its bucket per provider from a function (Azure's defaults sit below Key Vault's throttle)", async () => {
    expect(defaultStoreRate("azurekv")).toEqual({ perSecond: 200, burst: 400 });
    expect(defaultStoreRate("vault")).toEqual({ perSecond: 1000, burst: 2000 });
    const { fake, client, sleeps } = setup({ rate: (p) => (p === "vault" ? { perSecond: 2, burst: 1 } : { perSecond: 1e9, burst: 1e9 }) });
    for (const k of ["a", "b", "c"]) fake.values.set(k, "{}");
    await Promise.all(["a", "b", "c"].map(async (key) => client.getSecret({ key })));
    expect(sleeps).toEqual([500, 500]);
    const other = setup({ rate: (p) => (p === "vault" ? { perSecond: 2, burst: 1 } : { perSecond: 1e9, burst: 1e9 }) }, "aws");
    for (const k of ["a", "b", "c"]) other.fake.values.set(k, "{}");
    await Promise.all(["a", "b", "c"].map(async (key) => other.client.getSecret({ key })));
    expect(other.sleeps).toEqual([]);
  });

  it("refuses a provider's rate that is not positive when its first store is used", async () => {
    const { client } = setup({ rate: () => ({ perSecond: 0, burst: 1 }) });
    await expect(client.getSecret({ key: "a" })).rejects.toThrow(RangeError);
  });

  it("separate stores have separate buckets", async () => {
    const { co, fake, sleeps } = setup({ rate: { perSecond: 1, burst: 1 } });
    fake.values.set("a", "{}");
    const ids = ["n1", "n2", "n3"].map((namespace) => storeIdentity("vault", { storeKind: "SecretStore", storeName: "s", namespace, providerSpec: {} }));
    await Promise.all(ids.map((id) => co.wrap(id, fake).getSecret({ key: "a" })));
    expect(sleeps).toEqual([]);
  });

  it("backs off exponentially on STORE_THROTTLED, retries, and holds other calls to that store", async () => {
    const { co, fake, client, sleeps, metrics } = setup({ backoff: { initialMs: 100, maxMs: 10_000, maxAttempts: 5 } });
    fake.values.set("a", '"A"');
    fake.values.set("b", '"B"');
    const throttled = (): Error => storeError(StoreErrorCode.Throttled, "vault: throttled");
    fake.failures.set("a", [throttled(), throttled()]);
    const [a, b] = await Promise.all([client.getSecret({ key: "a" }), client.getSecret({ key: "b" })]);
    expect([text(a), text(b)]).toEqual(['"A"', '"B"']);
    expect(sleeps).toEqual([100, 200]);
    expect(co.stats.retries).toBe(2);
    expect(metrics.filter((m) => m.endsWith("error"))).toEqual(["vault GetSecret error", "vault GetSecret error"]);
    // after a success the backoff starts again from initialMs
    fake.failures.set("c", [throttled()]);
    fake.values.set("c", "1");
    await client.getSecret({ key: "c" });
    expect(sleeps).toEqual([100, 200, 100]);
  });

  it("holds every other call to a throttled store until its backoff has passed", async () => {
    const { fake, client, sleeps, advance } = setup({ backoff: { initialMs: 500, maxMs: 10_000, maxAttempts: 1 } });
    fake.values.set("b", "{}");
    fake.values.set("c", "{}");
    fake.failures.set("a", [storeError(StoreErrorCode.Throttled, "vault: throttled")]);
    await expect(client.getSecret({ key: "a" })).rejects.toMatchObject({ code: StoreErrorCode.Throttled });
    advance(200);
    await client.getSecret({ key: "b" });
    expect(sleeps).toEqual([300]);
    await client.getSecret({ key: "c" });
    expect(sleeps).toEqual([300]);
  });

  it("gives up with STORE_THROTTLED after maxAttempts, doubling up to maxMs", async () => {
    const { fake, client, sleeps } = setup({ backoff: { initialMs: 1000, maxMs: 3000, maxAttempts: 4 } });
    fake.values.set("a", "{}");
    fake.failures.set("a", Array.from({ length: 10 }, () => storeError(StoreErrorCode.Throttled, "vault: throttled")));
    await expect(client.getSecret({ key: "a" })).rejects.toMatchObject({ code: StoreErrorCode.Throttled });
    expect(fake.calls).toHaveLength(4);
    expect(sleeps).toEqual([1000, 2000, 3000]);
  });

  it("does not retry other errors", async () => {
    const { fake, client, sleeps } = setup();
    fake.values.set("a", "{}");
    fake.failures.set("a", [storeError(StoreErrorCode.PermissionDenied, "vault: permission denied")]);
    await expect(client.getSecret({ key: "a" })).rejects.toMatchObject({ code: StoreErrorCode.PermissionDenied });
    expect(fake.calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("rejects a rate or attempt count that could never make a call", () => {
    expect(() => new ReadCoalescer({ now: () => 0, rate: { perSecond: 0, burst: 1 } })).toThrow(RangeError);
    expect(() => new ReadCoalescer({ now: () => 0, backoff: { initialMs: 1, maxMs: 1, maxAttempts: 0 } })).toThrow(RangeError);
  });
});

describe("reads of a refresh due at an instant (readsSince)", () => {
  const view = (c: SecretsClient, since: number): SecretsClient => {
    if (c.readsSince === undefined) throw new Error("the coalesced client offers readsSince");
    return c.readsSince(since);
  };

  it("a burst of one grid instant reads each key once however long it takes", async () => {
    const { fake, client, advance, now } = setup({ reuseMs: 5000 });
    fake.values.set("a", '{"v":"1"}');
    const due = now();
    advance(100);
    expect(text(await view(client, due).getSecret({ key: "a", property: "v" }))).toBe("1");
    fake.values.set("a", '{"v":"2"}');
    advance(60_000); // far past the 5 s window: still the read of this burst
    expect(text(await view(client, due).getSecret({ key: "a", property: "v" }))).toBe("1");
    expect(fake.calls).toEqual(["get a"]);
    // The next grid instant wants a read that started at or after it.
    const next = now();
    expect(text(await view(client, next).getSecret({ key: "a", property: "v" }))).toBe("2");
    expect(fake.calls).toEqual(["get a", "get a"]);
  });

  it("never uses a read that started before the instant, even within the reuse window", async () => {
    const { fake, client, advance, now } = setup({ reuseMs: 5000 });
    fake.values.set("a", "old");
    await client.getSecret({ key: "a" });
    advance(1000);
    const due = now() - 500; // fell due after that read
    fake.values.set("a", "new");
    expect(text(await view(client, due).getSecret({ key: "a" }))).toBe("new");
    expect(fake.calls).toEqual(["get a", "get a"]);
  });

  it("does not join a call in flight since before the instant", async () => {
    const { fake, client, advance, now } = setup();
    fake.values.set("a", "v");
    const gate = deferred();
    fake.gate = gate.promise;
    const early = client.getSecret({ key: "a" });
    advance(10);
    const due = now() - 5;
    const late = view(client, due).getSecret({ key: "a" });
    const later = view(client, due).getSecret({ key: "a" }); // joins `late`
    gate.resolve();
    await Promise.all([early, late, later]);
    expect(fake.calls).toEqual(["get a", "get a"]);
  });

  it("keeps a result for such reads only retainMs after its call started", async () => {
    const { co, fake, client, advance, now } = setup({ reuseMs: 5000, retainMs: 60_000 });
    fake.values.set("a", "v");
    const due = now();
    await view(client, due).getSecret({ key: "a" });
    advance(59_999);
    co.sweep();
    await view(client, due).getSecret({ key: "a" });
    advance(1);
    co.sweep();
    await view(client, due).getSecret({ key: "a" });
    expect(fake.calls).toEqual(["get a", "get a"]);
  });

  it("closing a view closes nothing; closing its client waits for the view's calls", async () => {
    const { fake, client, now } = setup();
    fake.values.set("a", "v");
    const gate = deferred();
    fake.gate = gate.promise;
    const v = view(client, now());
    const read = v.getSecret({ key: "a" });
    await v.close();
    expect(fake.closed).toBe(false);
    let closed = false;
    const closing = client.close().then(() => (closed = true));
    await Promise.resolve();
    expect(closed).toBe(false);
    gate.resolve();
    await closing;
    expect(fake.closed).toBe(true);
    expect(text(await read)).toBe("v");
  });
});

describe("close and sweep", () => {
  it("close waits for the calls this client started, then closes the underlying client", async () => {
    const { co, id, fake, client } = setup();
    fake.values.set("a", "{}");
    const gate = deferred();
    fake.gate = gate.promise;
    const other = co.wrap(id, fake);
    const read = other.getSecret({ key: "a" }); // started by `other`, joined by `client`
    const joined = client.getSecret({ key: "a" });
    let closed = false;
    const closing = other.close().then(() => (closed = true));
    await Promise.resolve();
    expect(closed).toBe(false);
    gate.resolve();
    await closing;
    expect(fake.closed).toBe(true);
    expect(text(await read)).toBe("{}");
    expect(text(await joined)).toBe("{}");
  });

  it("sweep drops expired results and forget drops a store's results", async () => {
    const { co, id, fake, client, advance } = setup({ reuseMs: 100 });
    fake.values.set("a", "{}");
    await client.getSecret({ key: "a" });
    co.forget(id);
    await client.getSecret({ key: "a" });
    advance(100);
    co.sweep();
    await client.getSecret({ key: "a" });
    expect(fake.calls).toEqual(["get a", "get a", "get a"]);
  });
});
