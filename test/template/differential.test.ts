import { describe, expect, it } from "vitest";
import { isKsealError, KsealError } from "../../src/errors.ts";
import type { TemplateLookups } from "../../src/template/index.ts";
import { functionNames, renderTemplateBytes, unsupportedFunctionNames } from "../../src/template/index.ts";
import type { Case } from "./corpus.ts";
import { CORPUS } from "./corpus.ts";
import type { OracleResult } from "./oracle.ts";
import { runOracle } from "./oracle.ts";

function lookupsFrom(secrets: Record<string, Record<string, string>>): TemplateLookups {
  return {
    getSecretKey(name, namespace, key) {
      const v = secrets[`${namespace}/${name}`]?.[key];
      if (v === undefined) throw new KsealError("SECRET_NOT_FOUND", "template: getSecretKey: secret or key not found");
      return v;
    },
  };
}

type Outcome = { ok: true; output: Buffer } | { ok: false; error: string; code: string };

function renderKseal(c: Case): Outcome {
  const data: Record<string, string | Uint8Array> = { ...(c.data ?? {}) };
  for (const [k, v] of Object.entries(c.dataB64 ?? {})) data[k] = Buffer.from(v, "base64");
  try {
    const out = renderTemplateBytes(c.template, data, {
      ...(c.funcs === undefined ? {} : { funcs: c.funcs }),
      ...(c.missingKey === undefined ? {} : { missingKey: c.missingKey }),
      ...(c.secrets === undefined ? {} : { lookups: lookupsFrom(c.secrets) }),
    });
    return { ok: true, output: Buffer.from(out) };
  } catch (e: unknown) {
    if (!isKsealError(e)) throw e;
    return { ok: false, error: e.message, code: e.code };
  }
}

function describeOutcome(o: Outcome | OracleResult): string {
  return o.ok ? `output ${JSON.stringify(o.output.toString("latin1"))}` : `error ${o.error}`;
}

const UNSUPPORTED = unsupportedFunctionNames();
// Names text/template defines itself that sprig's map also holds.
const BUILTINS_IN_GO: string[] = [];

// ESO functions the oracle has no Go version of (proven by fixtures in eso-funcs.test.ts).
const FIXTURE_ONLY = ["fromYaml", "toYaml"];

describe("template engine vs Go text/template + sprig (oracle)", () => {
  it("offers exactly Go's function set (sprig v3.3.0 minus env/expandenv/getHostByName, plus ESO's)", () => {
    for (const funcs of ["eso", "sealed-secrets"] as const) {
      const [res] = runOracle([{ template: "", names: true, funcs }]);
      if (!res?.ok) throw new Error("oracle could not list names");
      const go = res.output.toString("utf8").split("\n");
      const ours = [...functionNames(funcs), ...UNSUPPORTED, ...BUILTINS_IN_GO].filter((n) => !(funcs === "eso" && FIXTURE_ONLY.includes(n)));
      const missing = go.filter((n) => !ours.includes(n));
      const extra = functionNames(funcs).filter((n) => !go.includes(n) && !(funcs === "eso" && FIXTURE_ONLY.includes(n)));
      expect({ funcs, missing, extra }).toEqual({ funcs, missing: [], extra: [] });
    }
  });

  it("has at least 500 cases, each with a reason", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(500);
    for (const c of CORPUS) expect(c.reason, c.name).not.toBe("");
  });

  it("matches Go byte for byte on every case (or both fail)", () => {
    const oracle = runOracle(CORPUS.map((c) => ({ template: c.template, data: c.data ?? {}, dataB64: c.dataB64 ?? {}, funcs: c.funcs ?? "eso", missingKey: c.missingKey ?? "", secrets: c.secrets ?? {} })));
    const mismatches: string[] = [];
    CORPUS.forEach((c, i) => {
      const go = oracle[i];
      const ks = renderKseal(c);
      if (go === undefined) throw new Error("oracle answer missing");
      let same: boolean;
      if (c.shape !== undefined) same = go.ok && ks.ok && c.shape.test(go.output.toString()) && c.shape.test(ks.output.toString());
      else if (go.ok && ks.ok) same = go.output.equals(ks.output);
      else same = !go.ok && !ks.ok;
      if (!same) mismatches.push(`${c.name} :: ${JSON.stringify(c.template)}\n    go:    ${describeOutcome(go)}\n    kseal: ${describeOutcome(ks)}`);
    });
    if (mismatches.length > 0) console.error(mismatches.join("\n"));
    expect(mismatches, `${mismatches.length} mismatches:\n${mismatches.join("\n")}`).toEqual([]);
    // 1,400+ cases through Go and kseal took 26 s + 16 s on the shared 2-CPU box (load 12): still a bound.
  }, 180_000);
});
