import { describe, expect, it } from "vitest";
import { isKsealError } from "../../src/errors.ts";
import { renderTemplateBytes } from "../../src/template/index.ts";
import type { Case } from "./corpus.ts";
import { CORPUS } from "./corpus.ts";
import type { OracleResult } from "./oracle.ts";
import { runOracle } from "./oracle.ts";

type Outcome = { ok: true; output: Buffer } | { ok: false; error: string; code: string };

function renderKseal(c: Case): Outcome {
  const data: Record<string, string | Uint8Array> = { ...(c.data ?? {}) };
  for (const [k, v] of Object.entries(c.dataB64 ?? {})) data[k] = Buffer.from(v, "base64");
  try {
    const out = renderTemplateBytes(c.template, data, {
      ...(c.funcs === undefined ? {} : { funcs: c.funcs }),
      ...(c.missingKey === undefined ? {} : { missingKey: c.missingKey }),
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

describe("template engine vs Go text/template + sprig (oracle)", () => {
  it("has at least 500 cases, each with a reason", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(500);
    for (const c of CORPUS) expect(c.reason, c.name).not.toBe("");
  });

  it("matches Go byte for byte on every case (or both fail)", () => {
    const oracle = runOracle(CORPUS.map((c) => ({ template: c.template, data: c.data ?? {}, dataB64: c.dataB64 ?? {}, funcs: c.funcs ?? "eso", missingKey: c.missingKey ?? "" })));
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
  });
});
