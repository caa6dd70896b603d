/**
 * The bad-input runner: one real kseal-operator per test file, every case of a corpus applied in
 * parallel, one wait loop polling all of them, then one `it` per case plus the invariants that
 * hold for the whole corpus (operator alive and never restarted, guard Secrets untouched, no
 * Secret created for a bad case, no canary plaintext in any log line, event or status).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../peers/process.ts";
import { createNamespace, testKube, type TestKube } from "../support/kube.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../support/operator.ts";
import { KINDS, kindOf, type BadCase, type KindName, type Manifest } from "./cases.ts";

export interface BenchEnv {
  readonly kube: TestKube;
  readonly ns: string;
  readonly op: RunningOperatorProcess;
}

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

interface EventSeen {
  readonly object: string;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
}

type Applied =
  | { readonly kind: "rejected"; readonly message: string }
  | { readonly kind: "applied"; readonly kindName: KindName; readonly objectName: string; readonly uid: string };

interface Observed {
  applied: Applied;
  condition?: Condition;
  events: EventSeen[];
}

export interface SuiteOptions<C> {
  readonly title: string;
  /** import.meta.filename of the test file (names the namespace). */
  readonly file: string;
  readonly crds: readonly string[];
  readonly controllers: string;
  readonly cases: readonly BadCase<C>[];
  /**
   * Fixtures and a positive control: must leave the operator having synced one good object, so
   * every Secret the operator creates lazily (keys) exists before the snapshot.
   */
  readonly setup: (env: BenchEnv) => Promise<C>;
  /** Longest wait for every case to be reported. */
  readonly waitMs?: number;
}

function errorText(e: unknown): string {
  const body = (e as { body?: unknown }).body;
  if (typeof body === "string") {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === "string") return parsed.message;
    } catch {
      return body;
    }
    return body;
  }
  return e instanceof Error ? e.message : String(e);
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function matches(text: string | undefined, want: string | RegExp): boolean {
  if (text === undefined) return false;
  return typeof want === "string" ? text.includes(want) : want.test(text);
}

function defaultGuard<C>(c: BadCase<C>): string | null {
  if (c.guard !== undefined) return c.guard;
  return c.expect.kind === "condition" ? c.name : null;
}

/** Registers the hooks and tests of one corpus file. */
export function badInputSuite<C>(o: SuiteOptions<C>): void {
  const kube = testKube();
  let ns: { name: string; remove: () => Promise<void> };
  let op: RunningOperatorProcess;
  const observed = new Map<string, Observed>();
  const guards = new Map<string, { resourceVersion: string; data: string }>();
  let secretsBefore: string[] = [];
  const clusterScoped: { kindName: KindName; name: string }[] = [];

  const names = new Set<string>();
  for (const c of o.cases) {
    if (names.has(c.name)) throw new Error(`duplicate case name ${c.name}`);
    names.add(c.name);
  }

  async function listObjects(kindName: KindName): Promise<Manifest[]> {
    const k = KINDS[kindName];
    const list = (k.namespaced
      ? await kube.custom.listNamespacedCustomObject({ group: k.group, version: k.version, plural: k.plural, namespace: ns.name })
      : await kube.custom.listClusterCustomObject({ group: k.group, version: k.version, plural: k.plural })) as { items: Manifest[] };
    return list.items;
  }

  async function listEvents(): Promise<EventSeen[]> {
    const list = await kube.core.listNamespacedEvent({ namespace: ns.name });
    return list.items.map((e) => ({ object: e.involvedObject.name ?? "", type: e.type ?? "", reason: e.reason ?? "", message: e.message ?? "" }));
  }

  beforeAll(async () => {
    ns = await createNamespace(kube, o.file);
    await applyProjectCrds(kube, ...o.crds);
    op = await startOperator({ namespace: ns.name, args: [`--controllers=${o.controllers}`] });
    const ctx = await o.setup({ kube, ns: ns.name, op }).catch((e: unknown) => {
      throw new Error(`setup failed: ${String(e)}\noperator log:\n${op.lines.slice(-30).join("\n")}`);
    });

    // Guard Secrets: what a bad case must never change.
    await pool(o.cases, 8, async (c) => {
      const guard = defaultGuard(c);
      if (guard === null) return;
      const created = await kube.core.createNamespacedSecret({
        namespace: ns.name,
        body: { metadata: { name: guard, labels: { "kseal.test/guard": "true" } }, stringData: { guarded: `guard-${c.name}` } },
      });
      guards.set(guard, { resourceVersion: created.metadata?.resourceVersion ?? "", data: JSON.stringify(created.data ?? {}) });
    });
    secretsBefore = (await kube.core.listNamespacedSecret({ namespace: ns.name })).items.map((s) => s.metadata?.name ?? "").sort();

    // Apply every case, in parallel.
    await pool(o.cases, 8, async (c) => {
      const manifest = structuredClone(typeof c.object === "function" ? await c.object(ctx) : c.object);
      const kindName = kindOf(manifest);
      const k = KINDS[kindName];
      const meta = (manifest.metadata ?? {}) as Record<string, unknown>;
      manifest.metadata = meta;
      meta.name ??= k.namespaced ? c.name : `${ns.name}-${c.name}`.slice(0, 253);
      const objectName = meta.name as string;
      try {
        let created: Manifest;
        if (k.namespaced) {
          meta.namespace = ns.name;
          created = (await kube.custom.createNamespacedCustomObject({ group: k.group, version: k.version, plural: k.plural, namespace: ns.name, body: manifest })) as Manifest;
        } else {
          created = (await kube.custom.createClusterCustomObject({ group: k.group, version: k.version, plural: k.plural, body: manifest })) as Manifest;
          clusterScoped.push({ kindName, name: objectName });
        }
        const uid = (created.metadata as { uid?: string } | undefined)?.uid ?? "";
        observed.set(c.name, { applied: { kind: "applied", kindName, objectName, uid }, events: [] });
      } catch (e: unknown) {
        observed.set(c.name, { applied: { kind: "rejected", message: errorText(e) }, events: [] });
      }
    });

    // One wait loop for all: until each accepted case shows its expected condition and event.
    const kindsUsed = new Set<KindName>();
    for (const v of observed.values()) if (v.applied.kind === "applied") kindsUsed.add(v.applied.kindName);
    const settled = (c: BadCase<C>): boolean => {
      const v = observed.get(c.name);
      if (v === undefined || c.expect.kind !== "condition" || v.applied.kind !== "applied") return true;
      const exp = c.expect;
      const cond = v.condition;
      if (cond?.status !== "False" || !matches(cond.message, exp.message)) return false;
      if (exp.reason !== undefined && cond.reason !== exp.reason) return false;
      return exp.event === undefined || v.events.some((e) => e.reason === exp.event);
    };
    await waitFor("every bad case to be reported", async () => {
      const byKind = new Map<KindName, Map<string, Manifest>>();
      for (const kindName of kindsUsed) {
        byKind.set(kindName, new Map((await listObjects(kindName)).map((m) => [String((m.metadata as { name?: string }).name), m])));
      }
      const events = await listEvents();
      for (const v of observed.values()) {
        if (v.applied.kind !== "applied") continue;
        const { kindName, objectName } = v.applied;
        const obj = byKind.get(kindName)?.get(objectName);
        const conds = ((obj?.status ?? {}) as { conditions?: Condition[] }).conditions ?? [];
        const cond = conds.find((x) => x.type === KINDS[kindName].conditionType);
        if (cond !== undefined) v.condition = cond;
        v.events = events.filter((e) => e.object === objectName);
      }
      return o.cases.every(settled);
    }, o.waitMs ?? 150_000, 2000).catch(() => undefined); // each case's `it` reports what is missing
  }, (o.waitMs ?? 150_000) + 150_000);

  afterAll(async () => {
    await op.stop();
    for (const { kindName, name } of clusterScoped) {
      const k = KINDS[kindName];
      await kube.custom.deleteClusterCustomObject({ group: k.group, version: k.version, plural: k.plural, name }).catch(() => undefined);
    }
    await ns.remove();
  });

  describe(o.title, () => {
    it.each(o.cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
      const v = observed.get(c.name);
      expect(v, "the case was applied").toBeDefined();
      if (v === undefined) return;
      const why = `${c.name}: ${c.why}`;
      if (c.expect.kind === "rejected") {
        expect(v.applied, why).toMatchObject({ kind: "rejected" });
        if (v.applied.kind === "rejected") expect(v.applied.message, why).toMatch(c.expect.message);
        return;
      }
      expect(v.applied, `${why} (the API server should have accepted it)`).toMatchObject({ kind: "applied" });
      expect(v.condition, `${why}: no condition was reported`).toBeDefined();
      expect(v.condition?.status, why).toBe("False");
      if (c.expect.reason !== undefined) expect(v.condition?.reason, `${why}: ${v.condition?.message ?? ""}`).toBe(c.expect.reason);
      expect(v.condition?.message, why).toMatch(c.expect.message);
      expect(v.condition?.message ?? "", `${why}: a generic message`).not.toMatch(/unexpected (error|[A-Z]\w*Error)/);
      const wantEvent = c.expect.event;
      if (wantEvent !== undefined) {
        const ev = v.events.find((e) => e.reason === wantEvent);
        expect(ev, `${why}: events seen ${JSON.stringify(v.events.map((e) => e.reason))}`).toBeDefined();
        expect(ev?.type).toBe("Warning");
      }
    });

    describe("after the whole corpus", () => {
      it("the operator process is still the first one, alive, with no uncaught error in its log", () => {
        expect(op.child.exitCode).toBeNull();
        expect(op.lines.filter((l) => l.includes("kseal-operator running"))).toHaveLength(1);
        const bad = op.lines.filter((l) => /uncaught|unhandled|^\s+at \S|"level":"?(fatal|60)/i.test(l));
        expect(bad).toEqual([]);
      });

      it("left every pre-existing Secret exactly as it was (resourceVersion and data)", async () => {
        expect(guards.size).toBeGreaterThan(0);
        const changed: string[] = [];
        await pool([...guards.entries()], 8, async ([name, before]) => {
          const s = await kube.core.readNamespacedSecret({ namespace: ns.name, name });
          if (s.metadata?.resourceVersion !== before.resourceVersion || JSON.stringify(s.data ?? {}) !== before.data) changed.push(name);
        });
        expect(changed).toEqual([]);
      });

      it("created no Secret for any bad case", async () => {
        const now = (await kube.core.listNamespacedSecret({ namespace: ns.name })).items.map((s) => s.metadata?.name ?? "").sort();
        expect(now).toEqual(secretsBefore);
      });

      it("never let a canary plaintext into a log line, an event or a status", async () => {
        const canaries = o.cases.flatMap((c) => c.canaries ?? []);
        expect(canaries.length).toBeGreaterThan(0);
        const statuses: string[] = [];
        for (const kindName of Object.keys(KINDS) as KindName[]) {
          if (!o.cases.some((c) => observed.get(c.name)?.applied.kind === "applied" && (observed.get(c.name)?.applied as { kindName?: string }).kindName === kindName)) continue;
          for (const m of await listObjects(kindName)) statuses.push(JSON.stringify(m.status ?? {}));
        }
        const events = (await listEvents()).map((e) => `${e.reason} ${e.message}`);
        const haystacks = [...op.lines, ...events, ...statuses];
        const leaks = canaries.filter((c) => haystacks.some((h) => h.includes(c)));
        expect(leaks).toEqual([]);
      });
    });
  });
}
