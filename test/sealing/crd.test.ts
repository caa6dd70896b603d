import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const crd = parse(readFileSync(join(import.meta.dirname, "../../config/crd/bitnami.com_sealedsecrets.yaml"), "utf8")) as {
  spec: { group: string; names: { kind: string; plural: string }; versions: { name: string; additionalPrinterColumns: unknown; subresources: unknown; schema: { openAPIV3Schema: { properties: { spec: { required: string[] } } } } }[] };
};

describe("SealedSecret CRD", () => {
  it("matches Bitnami's group, names, version, status subresource and printer columns", () => {
    expect(crd.spec.group).toBe("bitnami.com");
    expect(crd.spec.names).toMatchObject({ kind: "SealedSecret", plural: "sealedsecrets" });
    const v = crd.spec.versions[0];
    expect(v?.name).toBe("v1alpha1");
    expect(v?.subresources).toEqual({ status: {} });
    expect(v?.additionalPrinterColumns).toEqual([
      { name: "Status", type: "string", jsonPath: ".status.conditions[0].message" },
      { name: "Synced", type: "string", jsonPath: ".status.conditions[0].status" },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ]);
    expect(v?.schema.openAPIV3Schema.properties.spec.required).toEqual(["encryptedData"]);
  });
});
