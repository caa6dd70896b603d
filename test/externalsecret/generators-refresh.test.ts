// When generator values are regenerated: exactly when ESO would sync. ESO's shouldRefresh ignores a
// spec/annotation change once synced under refreshPolicy CreatedOnce or refreshInterval 0 (so editing
// labels must not rotate a generated password), while a drifted or deleted Secret is rebuilt
// (ESO's isSecretValid) — which, for a generator, means new values.
import { describe, expect, it } from "vitest";
import { planRefresh, resourceVersionOf, type RefreshReason } from "../../src/operator/externalsecret/plan.ts";
import { makeEs } from "./fixtures.ts";

const T0 = Date.parse("2026-03-02T10:00:00Z");
const H = 3_600_000;
const gen = [{ sourceRef: { generatorRef: { apiVersion: "generators.external-secrets.io/v1alpha1", kind: "Password", name: "pw" } } }];

/** Synced at T0 with metadata `before`, now carrying metadata `after` (a label edit). */
function edited(spec: Record<string, unknown>): ReturnType<typeof makeEs> {
  const before = makeEs({ dataFrom: gen, ...spec }, { metadata: { labels: { team: "a" } } });
  return makeEs({ dataFrom: gen, ...spec }, { metadata: { labels: { team: "b" } }, status: { refreshTime: new Date(T0).toISOString(), syncedResourceVersion: resourceVersionOf(before) } });
}

describe("planRefresh: regeneration follows ESO's shouldRefresh + isSecretValid", () => {
  it.each<{ reason: string; spec: Record<string, unknown>; intact: boolean; sync: boolean; why: RefreshReason }>([
    { reason: "CreatedOnce: a label edit does not regenerate", spec: { refreshPolicy: "CreatedOnce" }, intact: true, sync: false, why: "created-once" },
    { reason: "refreshInterval 0: a label edit does not regenerate", spec: { refreshInterval: "0" }, intact: true, sync: false, why: "not-due" },
    { reason: "OnChange: a label edit regenerates (ESO compares the resource version)", spec: { refreshPolicy: "OnChange" }, intact: true, sync: true, why: "spec-changed" },
    { reason: "Periodic 1h: a label edit regenerates", spec: { refreshInterval: "1h" }, intact: true, sync: true, why: "spec-changed" },
    { reason: "CreatedOnce: a deleted/edited Secret is rebuilt with new values, as ESO", spec: { refreshPolicy: "CreatedOnce" }, intact: false, sync: true, why: "secret-drifted" },
    { reason: "refreshInterval 0: a deleted/edited Secret is rebuilt, as ESO", spec: { refreshInterval: "0" }, intact: false, sync: true, why: "secret-drifted" },
  ])("$reason", ({ spec, intact, sync, why }) => {
    const d = planRefresh(edited(spec), intact, T0 + 10 * H);
    expect({ sync: d.sync, why: d.reason }).toEqual({ sync, why });
  });

  it("an intact Secret under CreatedOnce is never refreshed, however late (no spurious regeneration)", () => {
    const es = makeEs({ dataFrom: gen, refreshPolicy: "CreatedOnce" });
    const synced = makeEs({ dataFrom: gen, refreshPolicy: "CreatedOnce" }, { status: { refreshTime: new Date(T0).toISOString(), syncedResourceVersion: resourceVersionOf(es) } });
    expect(planRefresh(synced, true, T0 + 1000 * H)).toEqual({ sync: false, reason: "created-once" });
  });
});
