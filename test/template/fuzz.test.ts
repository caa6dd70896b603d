import { describe, expect, it } from "vitest";
import { KsealError } from "../../src/errors.ts";
import { renderTemplate } from "../../src/template/index.ts";
import { rand } from "../fuzz/support.ts";

const FUNCS = ["upper", "lower", "trim", "quote", "b64enc", "b64dec", "len", "print", "printf", "index", "slice", "default", "empty", "list", "dict", "toJson", "fromJson", "add", "sub", "div", "mod", "repeat", "until", "splitList", "join", "regexFind", "regexReplaceAll", "first", "last", "sortAlpha", "eq", "lt", "and", "or", "not", "indent", "substr", "trunc", "sha256sum", "toString", "int", "seq", "nospace", "title", "replace"];
const ATOMS = [".", ".a", ".b", ".nope", "$", "$.a", "1", "-3", "0", "2.5", '"x"', '"a,b"', '"[a-z]+"', '"%v %d"', "true", "nil", "`raw`", "'c'", "0x10", '"{\\"k\\":1}"'];

function gen(r: () => number, depth: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const expr = (d: number): string => {
    const roll = r();
    if (d <= 0 || roll < 0.4) return pick(ATOMS);
    if (roll < 0.8) {
      const n = Math.floor(r() * 4);
      return `(${pick(FUNCS)}${Array.from({ length: n }, () => " " + expr(d - 1)).join("")})`;
    }
    return `${expr(d - 1)} | ${pick(FUNCS)}`;
  };
  const roll = r();
  if (depth <= 0 || roll < 0.3) return pick(["text ", "\n", "{{ " + expr(2) + " }}", "{{- " + expr(1) + " -}}", "{{/* c */}}", "{{"]);
  if (roll < 0.45) return `{{ if ${expr(2)} }}${gen(r, depth - 1)}{{ else }}${gen(r, depth - 1)}{{ end }}`;
  if (roll < 0.6) return `{{ range $i, $v := ${expr(2)} }}${gen(r, depth - 1)}{{ if $i }}{{ break }}{{ end }}{{ end }}`;
  if (roll < 0.7) return `{{ with ${expr(2)} }}${gen(r, depth - 1)}{{ end }}`;
  if (roll < 0.78) return `{{ $x := ${expr(2)} }}${gen(r, depth - 1)}{{ $x }}`;
  if (roll < 0.85) return `{{ define "t${Math.floor(r() * 3)}" }}${gen(r, depth - 1)}{{ end }}{{ template "t${Math.floor(r() * 3)}" ${expr(1)} }}`;
  // Raw mutation: slice a random piece out of a generated template.
  const s = gen(r, depth - 1) + gen(r, depth - 1);
  const a = Math.floor(r() * s.length);
  return s.slice(0, a) + s.slice(a + Math.floor(r() * 5));
}

describe("template engine fuzz (seeded grammar, time-bounded)", () => {
  it("never crashes or hangs: every outcome is a string or a KsealError", () => {
    const r = rand(0x5eed_4);
    const deadline = Date.now() + 10_000;
    let runs = 0;
    let rendered = 0;
    while (Date.now() < deadline && runs < 20_000) {
      const tpl = gen(r, 4);
      for (const funcs of ["eso", "sealed-secrets"] as const) {
        const t0 = Date.now();
        try {
          const out = renderTemplate(tpl, { a: "alpha", b: "b,e,t,a" }, { funcs, maxSteps: 20_000, maxOutputBytes: 64 * 1024 });
          expect(typeof out).toBe("string");
          rendered++;
        } catch (e: unknown) {
          if (!(e instanceof KsealError)) throw new Error(`non-KsealError ${e instanceof Error ? e.name : typeof e} for template ${JSON.stringify(tpl)}`, { cause: e });
        }
        expect(Date.now() - t0, JSON.stringify(tpl)).toBeLessThan(2_000);
      }
      runs++;
    }
    expect(runs).toBeGreaterThan(200);
    expect(rendered).toBeGreaterThan(0);
  }, 30_000);
});
