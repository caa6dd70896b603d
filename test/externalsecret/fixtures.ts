// Shared builders for ExternalSecret unit tests: a parsed ES from a partial spec, a parsed store with
// a fake provider, and a small template engine that understands `{{ .name }}` and
// `{{ .name | upper }}` (the real engine is src/template; the plan only sees the port).
import { parseExternalSecret, parseSecretStore } from "../../src/operator/externalsecret/parse.ts";
import type { TemplateEngine } from "../../src/operator/externalsecret/plan.ts";
import type { ExternalSecret, SecretStore } from "../../src/operator/externalsecret/types.ts";

export function makeEs(spec: Record<string, unknown>, extra: { status?: Record<string, unknown>; metadata?: Record<string, unknown> } = {}): ExternalSecret {
  return parseExternalSecret({
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { name: "app", namespace: "team", uid: "uid-1", generation: 1, ...extra.metadata },
    spec: { secretStoreRef: { name: "store", kind: "SecretStore" }, data: [{ secretKey: "k", remoteRef: { key: "remote" } }], ...spec },
    status: extra.status ?? {},
  });
}

/** A parsed (Cluster)SecretStore "vault" with a fake provider, in `namespace` when given. */
export function makeStore(kind: "SecretStore" | "ClusterSecretStore", namespace?: string): SecretStore {
  return parseSecretStore({
    apiVersion: "external-secrets.io/v1",
    kind,
    metadata: { name: "vault", ...(namespace === undefined ? {} : { namespace }) },
    spec: { provider: { fake: { data: [] } } },
  });
}

export const miniEngine: TemplateEngine = {
  render(template, data) {
    return template.replace(/\{\{\s*\.([A-Za-z0-9_]+)\s*(\|\s*upper\s*)?\}\}/g, (_m, name: string, upper: string | undefined) => {
      const v = data[name];
      if (v === undefined) throw new Error("missing key");
      const s = typeof v === "string" ? v : JSON.stringify(v);
      return upper === undefined ? s : s.toUpperCase();
    });
  },
};

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array | undefined): string => (b === undefined ? "<absent>" : new TextDecoder().decode(b));
export const KEY = bytes("0123456789abcdef0123456789abcdef");
