// The CRDs on the real kube-apiserver: they become Established, ESO's documented examples apply
// unchanged, and objects ESO's webhook would refuse are refused by CEL with a readable message.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { createNamespace, testKube } from "../support/kube.ts";
import { installEsoCrds } from "./apply-crds.ts";

const kube = testKube();
let ns: { name: string; remove: () => Promise<void> } | undefined;
const PLURAL: Record<string, string> = {
  ExternalSecret: "externalsecrets",
  SecretStore: "secretstores",
  ClusterSecretStore: "clustersecretstores",
  ClusterExternalSecret: "clusterexternalsecrets",
};
const CLUSTER = new Set(["ClusterSecretStore", "ClusterExternalSecret"]);

interface Obj {
  kind: string;
  metadata: { name: string; namespace?: string };
  [k: string]: unknown;
}

function nsName(): string {
  if (ns === undefined) throw new Error("namespace not created");
  return ns.name;
}

/** Creates with dryRun=All: full admission and CEL validation, nothing persisted, no name clashes. */
async function dryRunCreate(o: Obj): Promise<void> {
  const plural = PLURAL[o.kind];
  if (plural === undefined) throw new Error(`unexpected kind ${o.kind}`);
  const body = { ...o, metadata: { ...o.metadata } };
  if (CLUSTER.has(o.kind)) {
    await kube.custom.createClusterCustomObject({ group: "external-secrets.io", version: "v1", plural, body, dryRun: "All" });
  } else {
    // The examples name namespaces of their own; the object is otherwise applied as written.
    body.metadata.namespace = nsName();
    await kube.custom.createNamespacedCustomObject({ group: "external-secrets.io", version: "v1", namespace: nsName(), plural, body, dryRun: "All" });
  }
}

async function rejection(o: Obj): Promise<string> {
  try {
    await dryRunCreate(o);
  } catch (e: unknown) {
    const body = (e as { body?: unknown }).body;
    return typeof body === "string" ? body : JSON.stringify(body ?? String(e));
  }
  return "";
}

beforeAll(async () => {
  await installEsoCrds(kube);
  ns = await createNamespace(kube, import.meta.filename);
});
afterAll(async () => {
  await ns?.remove();
});

const EXAMPLES = join(import.meta.dirname, "eso-examples");
const exampleDocs: { file: string; obj: Obj }[] = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith(".yaml"))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(EXAMPLES, file), "utf8"), { uniqueKeys: false }).map((d) => ({ file, obj: d.toJS() as Obj })),
  );

describe("ESO's documented examples", () => {
  it("are all present", () => {
    expect(exampleDocs.length).toBe(9);
  });
  it.each(exampleDocs.map((d) => ({ name: `${d.file} ${d.obj.kind}/${d.obj.metadata.name}`, obj: d.obj })))("$name applies unchanged", async ({ obj }) => {
    expect(await rejection(obj)).toBe("");
  });
});

const es = (spec: Record<string, unknown>): Obj => ({
  apiVersion: "external-secrets.io/v1",
  kind: "ExternalSecret",
  metadata: { name: "bad" },
  spec: { secretStoreRef: { name: "s", kind: "SecretStore" }, ...spec },
});
const data = [{ secretKey: "a", remoteRef: { key: "k" } }];

const invalid: { reason: string; obj: Obj; message: string }[] = [
  { reason: "no data and no dataFrom", obj: es({}), message: "either data or dataFrom should be specified" },
  {
    reason: "two data entries write the same key",
    obj: es({ data: [{ secretKey: "a", remoteRef: { key: "k1" } }, { secretKey: "a", remoteRef: { key: "k2" } }] }),
    message: "duplicate secretKey found",
  },
  {
    reason: "Delete without owning the Secret",
    obj: es({ data, target: { creationPolicy: "Merge", deletionPolicy: "Delete" } }),
    message: "deletionPolicy=Delete must not be used when the controller doesn't own the secret",
  },
  {
    reason: "Merge deletion with no Secret to merge into",
    obj: es({ data, target: { creationPolicy: "None", deletionPolicy: "Merge" } }),
    message: "deletionPolicy=Merge must not be used with creationPolicy=None",
  },
  { reason: "an empty dataFrom entry", obj: es({ dataFrom: [{}] }), message: "either extract, find, or sourceRef must be set to dataFrom" },
  {
    reason: "extract and find together",
    obj: es({ dataFrom: [{ extract: { key: "a" }, find: { name: { regexp: ".*" } } }] }),
    message: "extract, find, or generatorRef cannot be set at the same time",
  },
  { reason: "an unknown creationPolicy", obj: es({ data, target: { creationPolicy: "Sometimes" } }), message: "Unsupported value: \\\"Sometimes\\\"" },
  { reason: "a refreshInterval that is not a duration", obj: es({ data, refreshInterval: "hourly" }), message: "spec.refreshInterval" },
  { reason: "a refreshSchedule that is not cron", obj: es({ data, refreshSchedule: "every tuesday" }), message: "spec.refreshSchedule" },
  {
    reason: "a bootstrap token template",
    obj: es({ data, target: { template: { type: "bootstrap.kubernetes.io/token" } } }),
    message: "bootstrap.kubernetes.io/token\\\" is not allowed",
  },
  {
    reason: "templateFrom writing outside Data/Annotations/Labels",
    obj: es({ data, target: { template: { templateFrom: [{ literal: "x", target: "metadata.ownerReferences" }] } } }),
    message: "templateFrom target must be one of Data, Annotations or Labels",
  },
  {
    reason: "a rewrite with two operations",
    obj: es({ dataFrom: [{ extract: { key: "a" }, rewrite: [{ regexp: { source: "a", target: "b" }, transform: { template: "x" } }] }] }),
    message: "a rewrite sets exactly one of regexp, transform or merge",
  },
  {
    reason: "a store with two providers",
    obj: {
      apiVersion: "external-secrets.io/v1",
      kind: "SecretStore",
      metadata: { name: "two" },
      spec: { provider: { fake: { data: [] }, kubernetes: { remoteNamespace: "x" } } },
    },
    message: "spec.provider: Too many: 2: must have at most 1 item",
  },
  {
    reason: "a store with no provider",
    obj: { apiVersion: "external-secrets.io/v1", kind: "SecretStore", metadata: { name: "none" }, spec: { provider: {} } },
    message: "spec.provider: Invalid value: 0: spec.provider in body should have at least 1 properties",
  },
  {
    reason: "kubernetes auth with two methods",
    obj: {
      apiVersion: "external-secrets.io/v1",
      kind: "ClusterSecretStore",
      metadata: { name: "kseal-crd-test-two-auth" },
      spec: { provider: { kubernetes: { auth: { token: { bearerToken: { name: "t", key: "k" } }, serviceAccount: { name: "sa" } } } } },
    },
    message: "kubernetes auth sets exactly one of cert, token or serviceAccount",
  },
];

describe("objects ESO's webhook refuses", () => {
  it.each(invalid)("rejects $reason", async ({ obj, message }) => {
    const body = await rejection(obj);
    expect(body).not.toBe("");
    expect(body).toContain(message);
  });
});

describe("defaults", () => {
  it("applies ESO's defaults on create", async () => {
    const created = (await kube.custom.createNamespacedCustomObject({
      group: "external-secrets.io", version: "v1", namespace: nsName(), plural: "externalsecrets",
      body: { ...es({ data }), metadata: { name: "defaults", namespace: nsName() } }, dryRun: "All",
    })) as { spec: { refreshInterval: string; target: { creationPolicy: string; deletionPolicy: string }; data: { remoteRef: Record<string, string> }[] } };
    expect(created.spec.refreshInterval).toBe("1h0m0s");
    expect(created.spec.target).toMatchObject({ creationPolicy: "Owner", deletionPolicy: "Retain" });
    expect(created.spec.data[0]?.remoteRef).toMatchObject({ conversionStrategy: "Default", decodingStrategy: "None", metadataPolicy: "None" });
  });
});
