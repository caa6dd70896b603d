// target.template (engine v2, the real src/template engine) and dataFrom rewrite transform on the
// real API server: type, metadata, data, templateFrom configMap/literal, mergePolicy.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testKube } from "../support/kube.ts";
import { fakeSpec, harness, ready, type Harness } from "./kube-support.ts";

const kube = testKube();
let h: Harness;

beforeAll(async () => {
  h = await harness(kube, import.meta.filename);
  await h.createStore("fake", fakeSpec({ "db-user": "alice", "db-pass": "pw", "api-key": "k3y" }));
  await kube.core.createNamespacedConfigMap({ namespace: h.ns, body: { metadata: { name: "tmpl" }, data: { "config.yml": "url: postgres://{{ .username }}:{{ .password }}@db/app" } } });
});
afterAll(async () => {
  await h.cleanup();
});

describe("templates", () => {
  it("renders type, labels, data and templateFrom with the ESO engine (mergePolicy Replace)", async () => {
    await h.createEs("basic", {
      secretStoreRef: { name: "fake", kind: "SecretStore" },
      target: {
        template: {
          type: "kubernetes.io/basic-auth",
          metadata: { labels: { owner: "{{ .username | upper }}" } },
          data: { username: "{{ .username }}", password: "{{ .password | b64enc | b64dec }}" },
          templateFrom: [{ configMap: { name: "tmpl", items: [{ key: "config.yml" }] } }, { literal: "host: {{ .username | sha256sum | trunc 8 }}" }],
        },
      },
      data: [
        { secretKey: "username", remoteRef: { key: "db-user" } },
        { secretKey: "password", remoteRef: { key: "db-pass" } },
      ],
    });
    await h.reconcile("basic");
    expect(ready(await h.getEs("basic"))?.reason).toBe("SecretSynced");
    const s = await kube.core.readNamespacedSecret({ namespace: h.ns, name: "basic" });
    expect(s.type).toBe("kubernetes.io/basic-auth");
    expect(s.metadata?.labels?.owner).toBe("ALICE");
    const data = await h.secretText("basic");
    expect(Object.keys(data ?? {}).sort()).toEqual(["config.yml", "host", "password", "username"]);
    expect(data?.["config.yml"]).toBe("url: postgres://alice:pw@db/app");
    expect(data?.host).toMatch(/^[0-9a-f]{8}$/);
  });

  it("mergePolicy Merge keeps the provider keys beside rendered ones", async () => {
    await h.createEs("merged", {
      secretStoreRef: { name: "fake", kind: "SecretStore" },
      target: { template: { mergePolicy: "Merge", data: { dsn: "{{ .u }}@db" } } },
      data: [{ secretKey: "u", remoteRef: { key: "db-user" } }],
    });
    await h.reconcile("merged");
    expect(await h.secretText("merged")).toEqual({ u: "alice", dsn: "alice@db" });
  });

  it("ESO's documented rewrite transform turns names into env-style keys", async () => {
    await h.createEs("env", {
      secretStoreRef: { name: "fake", kind: "SecretStore" },
      dataFrom: [{ find: { name: { regexp: "^db-" } }, rewrite: [{ transform: { template: 'ENV_{{ .value | upper | replace "-" "_" }}' } }] }],
    });
    await h.reconcile("env");
    expect(await h.secretText("env")).toEqual({ ENV_DB_USER: "alice", ENV_DB_PASS: "pw" });
  });

  it("a template error is reported by name and the Secret is not written", async () => {
    await h.createEs("broken", {
      secretStoreRef: { name: "fake", kind: "SecretStore" },
      target: { template: { data: { x: "{{ .missing.field }}" } } },
      data: [{ secretKey: "u", remoteRef: { key: "db-user" } }],
    });
    expect((await h.reconcile("broken")).kind).toBe("retry");
    const r = ready(await h.getEs("broken"));
    expect(r?.reason).toBe("SecretSyncedError");
    expect(r?.message).toContain('template data "x" failed');
    expect(r?.message).not.toContain("alice");
    expect(await h.secretText("broken")).toBeUndefined();
  });
});
