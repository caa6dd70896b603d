// The CRD files are the rendering of src/operator/externalsecret/crd.ts and carry what kubectl
// and the API server need: printer columns, short names, status subresource, CEL rules.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CRD_DIR, customResourceDefinitions, renderCrdYaml } from "../../src/operator/externalsecret/crd.ts";

interface Crd {
  spec: {
    group: string;
    scope: string;
    names: { kind: string; shortNames: string[]; categories: string[] };
    versions: { name: string; subresources?: { status?: object }; additionalPrinterColumns: { name: string }[]; schema: { openAPIV3Schema: { properties: Record<string, unknown> } } }[];
  };
}

const files = customResourceDefinitions();

const expected: { file: string; kind: string; short: string; scope: string; columns: string[]; reason: string }[] = [
  { file: "external-secrets.io_externalsecrets.yaml", kind: "ExternalSecret", short: "es", scope: "Namespaced", columns: ["StoreType", "Store", "Refresh Interval", "Status", "Ready", "Last Sync"], reason: "ESO's es columns" },
  { file: "external-secrets.io_secretstores.yaml", kind: "SecretStore", short: "ss", scope: "Namespaced", columns: ["AGE", "Status", "Capabilities", "Ready"], reason: "ESO's store columns" },
  { file: "external-secrets.io_clustersecretstores.yaml", kind: "ClusterSecretStore", short: "css", scope: "Cluster", columns: ["AGE", "Status", "Capabilities", "Ready"], reason: "cluster-scoped store" },
  { file: "external-secrets.io_clusterexternalsecrets.yaml", kind: "ClusterExternalSecret", short: "ces", scope: "Cluster", columns: ["Store", "Refresh Interval", "Ready"], reason: "cluster-scoped fan-out" },
];

describe("CRD files", () => {
  it.each(expected)("$file is the rendering of crd.ts and parses ($reason)", ({ file, kind, short, scope, columns }) => {
    const text = readFileSync(join(CRD_DIR, file), "utf8");
    const generated = files[file];
    expect(generated, `crd.ts has no ${file}`).toBeDefined();
    expect(text, "config/crd is stale: run node src/operator/externalsecret/crd.ts --write").toBe(renderCrdYaml(generated ?? {}));
    const crd = parse(text) as Crd;
    expect(crd.spec.group).toBe("external-secrets.io");
    expect(crd.spec.names.kind).toBe(kind);
    expect(crd.spec.names.shortNames).toEqual([short]);
    expect(crd.spec.names.categories).toContain("external-secrets");
    expect(crd.spec.scope).toBe(scope);
    const [v1] = crd.spec.versions;
    expect(v1?.name).toBe("v1");
    expect(v1?.subresources?.status).toEqual({});
    expect(v1?.additionalPrinterColumns.map((c) => c.name)).toEqual(columns);
    expect(Object.keys(v1?.schema.openAPIV3Schema.properties ?? {})).toEqual(["apiVersion", "kind", "metadata", "spec", "status"]);
  });

  it("has exactly the four kinds", () => {
    expect(Object.keys(files).sort()).toEqual(expected.map((e) => e.file).sort());
  });

  it("carries ESO's webhook rules as CEL with readable messages", () => {
    const text = readFileSync(join(CRD_DIR, "external-secrets.io_externalsecrets.yaml"), "utf8");
    for (const msg of [
      "either data or dataFrom should be specified",
      "duplicate secretKey found",
      "deletionPolicy=Delete must not be used when the controller doesn't own the secret",
      "deletionPolicy=Merge must not be used with creationPolicy=None",
      "either extract, find, or sourceRef must be set to dataFrom",
    ]) {
      expect(text).toContain(msg);
    }
    const store = parse(readFileSync(join(CRD_DIR, "external-secrets.io_secretstores.yaml"), "utf8")) as Crd;
    const provider = (store.spec.versions[0]?.schema.openAPIV3Schema.properties.spec as { properties: { provider: Record<string, unknown> } }).properties.provider;
    expect([provider.minProperties, provider.maxProperties]).toEqual([1, 1]);
  });
});
