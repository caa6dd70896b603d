// The generators.external-secrets.io CRD files are the rendering of src/generators/crd.ts and carry
// ESO's names, scope, defaults and enums.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { GENERATOR_CRD_DIR, generatorCustomResourceDefinitions, renderGeneratorCrdYaml } from "../../src/generators/crd.ts";

interface Crd {
  metadata: { name: string };
  spec: { group: string; scope: string; names: { kind: string; plural: string; categories: string[] }; versions: { name: string; schema: { openAPIV3Schema: { properties: { spec: Record<string, unknown> } } } }[] };
}

const files = generatorCustomResourceDefinitions();

describe("generator CRD files", () => {
  it.each([
    { file: "generators.external-secrets.io_passwords.yaml", kind: "Password", plural: "passwords", scope: "Namespaced", reason: "namespaced, as ESO" },
    { file: "generators.external-secrets.io_uuids.yaml", kind: "UUID", plural: "uuids", scope: "Namespaced", reason: "namespaced, as ESO" },
    { file: "generators.external-secrets.io_clustergenerators.yaml", kind: "ClusterGenerator", plural: "clustergenerators", scope: "Cluster", reason: "cluster-scoped wrapper" },
  ])("$file is the rendering of crd.ts ($reason)", ({ file, kind, plural, scope }) => {
    const text = readFileSync(join(GENERATOR_CRD_DIR, file), "utf8");
    expect(text, "config/crd is stale: run node src/generators/crd.ts --write").toBe(renderGeneratorCrdYaml(files[file] ?? {}));
    const crd = parse(text) as Crd;
    expect(crd.metadata.name).toBe(`${plural}.generators.external-secrets.io`);
    expect(crd.spec.group).toBe("generators.external-secrets.io");
    expect(crd.spec.names).toMatchObject({ kind, plural, categories: ["external-secrets", "external-secrets-generators"] });
    expect(crd.spec.scope).toBe(scope);
    expect(crd.spec.versions.map((v) => v.name)).toEqual(["v1alpha1"]);
  });

  it("has exactly the three kinds", () => {
    expect(Object.keys(files).sort()).toEqual([
      "generators.external-secrets.io_clustergenerators.yaml",
      "generators.external-secrets.io_passwords.yaml",
      "generators.external-secrets.io_uuids.yaml",
    ]);
  });

  it("Password carries ESO's defaults and encoding enum", () => {
    const crd = parse(readFileSync(join(GENERATOR_CRD_DIR, "generators.external-secrets.io_passwords.yaml"), "utf8")) as Crd;
    const props = (crd.spec.versions[0]?.schema.openAPIV3Schema.properties.spec as { properties: Record<string, { default?: unknown; enum?: unknown }> }).properties;
    expect(props.length?.default).toBe(24);
    expect(props.noUpper?.default).toBe(false);
    expect(props.allowRepeat?.default).toBe(false);
    expect(props.encoding).toMatchObject({ default: "raw", enum: ["raw", "base64", "base64url", "base32", "hex"] });
  });

  it("ClusterGenerator wraps exactly one generator spec, ESO's field names", () => {
    const crd = parse(readFileSync(join(GENERATOR_CRD_DIR, "generators.external-secrets.io_clustergenerators.yaml"), "utf8")) as Crd;
    const spec = crd.spec.versions[0]?.schema.openAPIV3Schema.properties.spec as { required: string[]; properties: { generator: { minProperties: number; maxProperties: number; properties: Record<string, unknown> } } };
    expect(spec.required).toEqual(["generator", "kind"]);
    expect([spec.properties.generator.minProperties, spec.properties.generator.maxProperties]).toEqual([1, 1]);
    expect(Object.keys(spec.properties.generator.properties)).toEqual(expect.arrayContaining(["passwordSpec", "uuidSpec", "sshKeySpec", "vaultDynamicSecretSpec", "acrAccessTokenSpec"]));
  });
});
