// generatorRef resolution (ESO's resolvers.GeneratorRef) over a fake read port: which object is read,
// where, and which specific error each bad reference gets.
import { describe, expect, it } from "vitest";
import { generate, type GeneratorReadPort } from "../../src/generators/index.ts";

const V = "generators.external-secrets.io/v1alpha1";

function port(objects: Record<string, unknown>): GeneratorReadPort & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    read(plural, namespace, name) {
      const key = `${plural}/${namespace ?? "-"}/${name}`;
      reads.push(key);
      return Promise.resolve(objects[key]);
    },
  };
}

const decode = (m: Record<string, Uint8Array>): Record<string, string> => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, new TextDecoder().decode(v)]));

describe("generate(generatorRef)", () => {
  it("Password is read from the ExternalSecret's namespace and its spec applied", async () => {
    const p = port({ "passwords/app/pw": { spec: { length: 12, digits: 0, symbols: 0, secretKeys: ["a", "b"] } } });
    const out = decode(await generate({ apiVersion: V, kind: "Password", name: "pw" }, "app", p));
    expect(p.reads).toEqual(["passwords/app/pw"]);
    expect(Object.keys(out)).toEqual(["a", "b"]);
    expect(out.a).toMatch(/^[A-Za-z]{12}$/);
  });

  it("UUID is read from the namespace and yields key uuid", async () => {
    const p = port({ "uuids/app/id": { spec: {} } });
    expect(Object.keys(await generate({ apiVersion: V, kind: "UUID", name: "id" }, "app", p))).toEqual(["uuid"]);
  });

  it("ClusterGenerator is read cluster-scoped and its passwordSpec used", async () => {
    const p = port({ "clustergenerators/-/cg": { spec: { kind: "Password", generator: { passwordSpec: { length: 8, digits: 8, symbols: 0, allowRepeat: true } } } } });
    const out = decode(await generate({ apiVersion: V, kind: "ClusterGenerator", name: "cg" }, "app", p));
    expect(p.reads).toEqual(["clustergenerators/-/cg"]);
    expect(out.password).toMatch(/^[0-9]{8}$/);
  });

  it.each([
    { reason: "another group", ref: { apiVersion: "example.com/v1", kind: "Password", name: "x" }, objects: {}, code: "GENERATOR_UNSUPPORTED", message: /may only reference the generators.external-secrets.io group/, reads: [] },
    { reason: "a kind kseal lacks, refused before any read", ref: { apiVersion: V, kind: "VaultDynamicSecret", name: "x" }, objects: {}, code: "GENERATOR_UNSUPPORTED", message: /generatorRef kind "VaultDynamicSecret" is not supported/, reads: [] },
    { reason: "a missing Password", ref: { apiVersion: V, kind: "Password", name: "gone" }, objects: {}, code: "GENERATOR_NOT_FOUND", message: /Password "gone" not found/, reads: ["passwords/app/gone"] },
    { reason: "a missing ClusterGenerator", ref: { apiVersion: V, kind: "ClusterGenerator", name: "gone" }, objects: {}, code: "GENERATOR_NOT_FOUND", message: /ClusterGenerator "gone" not found/, reads: ["clustergenerators/-/gone"] },
    {
      reason: "a ClusterGenerator of an unsupported kind",
      ref: { apiVersion: V, kind: "ClusterGenerator", name: "ssh" },
      objects: { "clustergenerators/-/ssh": { spec: { kind: "SSHKey", generator: { sshKeySpec: {} } } } },
      code: "GENERATOR_UNSUPPORTED",
      message: /ClusterGenerator "ssh" kind "SSHKey" is not supported/,
      reads: ["clustergenerators/-/ssh"],
    },
    {
      reason: "a ClusterGenerator whose kind has no matching spec (ESO: must be set)",
      ref: { apiVersion: V, kind: "ClusterGenerator", name: "bad" },
      objects: { "clustergenerators/-/bad": { spec: { kind: "Password", generator: { uuidSpec: {} } } } },
      code: "GENERATOR_INVALID_SPEC",
      message: /when kind is Password, spec.generator.passwordSpec must be set/,
      reads: ["clustergenerators/-/bad"],
    },
  ])("refuses $reason", async ({ ref, objects, code, message, reads }) => {
    const p = port(objects);
    const err = await generate(ref, "app", p).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code });
    expect((err as Error).message).toMatch(message);
    expect(p.reads).toEqual(reads);
  });
});
