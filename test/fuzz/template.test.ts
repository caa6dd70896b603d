/**
 * Hostile-resource templates against the engine's default budget (1,000,000 steps, 1 MiB output
 * and intermediate strings): a table of amplifiers the engine tests do not cover, and a seeded
 * generator composing growth functions with huge counts inside loops. Every render ends within a
 * time bound as a string no larger than the cap or a KsealError with a TEMPLATE_ code — never
 * another exception, never a giant allocation.
 *
 * (test/template/fuzz.test.ts fuzzes the grammar with small budgets; this file is about budgets.)
 */
import { describe, expect, it } from "vitest";
import { KsealError } from "../../src/errors.ts";
import { renderTemplate } from "../../src/template/index.ts";
import { fuzzSeed, iterations, rand } from "./support.ts";

const CAP = 1024 * 1024;
// "Never a hang", with room for a loaded CI machine: a render that spends the whole 1,000,000-step
// budget on cheap functions took up to 8.6 s on a busy 2-CPU box (seed 0xb, iteration 161).
const PER_RENDER_MS = 10_000;

interface Hostile {
  readonly template: string;
  readonly code: "TEMPLATE_LIMIT" | "TEMPLATE_EXEC";
  readonly reason: string;
}

const TABLE: readonly Hostile[] = [
  { template: "{{ until 1000000000 | len }}", code: "TEMPLATE_LIMIT", reason: "a huge list is refused before it is allocated" },
  { template: "{{ seq 1 1000000000 | len }}", code: "TEMPLATE_LIMIT", reason: "seq counts against the step budget" },
  { template: "{{ untilStep 0 1000000000 1 | len }}", code: "TEMPLATE_LIMIT", reason: "untilStep counts against the step budget" },
  { template: "{{ cat (until 1000000) }}", code: "TEMPLATE_LIMIT", reason: "a list argument of a million items" },
  { template: "{{ randAlphaNum 1000000000 }}", code: "TEMPLATE_LIMIT", reason: "random strings are capped" },
  { template: "{{ randBytes 1000000000 }}", code: "TEMPLATE_LIMIT", reason: "random bytes are capped" },
  { template: '{{ printf "%999999999d" 1 }}', code: "TEMPLATE_EXEC", reason: "a huge printf width fails (Go panics: runtime error)" },
  { template: '{{ printf "%.999999999f" 1.0 }}', code: "TEMPLATE_EXEC", reason: "a huge printf precision fails" },
  { template: '{{ indent 1000000000 "x" }}', code: "TEMPLATE_EXEC", reason: "a huge indent fails" },
  { template: '{{ nindent 1000000000 "x" }}', code: "TEMPLATE_EXEC", reason: "a huge nindent fails" },
  { template: '{{ b64enc (repeat 900000 "x") | b64enc | b64enc }}', code: "TEMPLATE_LIMIT", reason: "growth through a pipeline is capped at every step" },
  { template: '{{ encryptAES "k" (repeat 1000000 "x") }}', code: "TEMPLATE_LIMIT", reason: "ciphertext growth is capped" },
  { template: '{{ $l := until 100000 }}{{ $l | join "xxxxxxxxxxxxxxxxxxxxxxxxx" }}', code: "TEMPLATE_LIMIT", reason: "join output is capped" },
  { template: "{{ toJson (until 200000) }}", code: "TEMPLATE_LIMIT", reason: "serialised output is capped" },
  { template: '{{ $s := repeat 500000 "a" }}{{ replace "a" $s $s }}', code: "TEMPLATE_EXEC", reason: "quadratic replace is refused" },
  { template: `{{ ${"(".repeat(50_000)}1${")".repeat(50_000)} }}`, code: "TEMPLATE_LIMIT", reason: "deep parentheses stop at the nesting cap, not a stack overflow" },
  { template: `${"{{ with 1 }}".repeat(20_000)}x${"{{ end }}".repeat(20_000)}`, code: "TEMPLATE_LIMIT", reason: "deep control nesting stops at the nesting cap" },
  { template: '{{ define "a" }}{{ template "b" . }}{{ template "b" . }}{{ end }}{{ define "b" }}{{ template "a" . }}{{ end }}{{ template "a" . }}', code: "TEMPLATE_LIMIT", reason: "mutual recursion is bounded" },
  { template: '{{ range $i := until 1000 }}{{ range $j := until 1000 }}{{ range $k := until 1000 }}{{ end }}{{ end }}{{ end }}', code: "TEMPLATE_LIMIT", reason: "a billion loop iterations stop at the step budget" },
];

function outcome(template: string): { value: string | KsealError; ms: number } {
  const t0 = performance.now();
  let value: string | KsealError;
  try {
    value = renderTemplate(template, { a: "alpha" });
  } catch (e: unknown) {
    if (!(e instanceof KsealError)) throw new Error(`${e instanceof Error ? e.name : typeof e} (not a KsealError) for ${template.slice(0, 200)}`, { cause: e });
    value = e;
  }
  return { value, ms: performance.now() - t0 };
}

describe("template engine under hostile resource use (default budget)", () => {
  it.each(TABLE.map((h) => [h.template.length > 70 ? `${h.template.slice(0, 70)}…` : h.template, h] as const))("%s", (_name, h) => {
    const { value, ms } = outcome(h.template);
    expect(value, h.reason).toBeInstanceOf(KsealError);
    expect((value as KsealError).code, h.reason).toBe(h.code);
    expect(ms, h.reason).toBeLessThan(PER_RENDER_MS);
  });

  const SEED = fuzzSeed(0x7e_41a7e);
  const N = iterations(40);
  it(`seeded amplifier compositions (seed 0x${SEED.toString(16)}, ${N} templates) end in time, within the cap or with a TEMPLATE_ error`, () => {
    const r = rand(SEED);
    const big = (): string => String(r.pick([0, 1, 2, 10, 1000, 65_536, 1_000_000, 2_000_000_000, -1]));
    const ops: readonly (() => string)[] = [
      () => `{{ $s = repeat ${big()} $s }}`,
      () => "{{ $s = print $s $s }}",
      () => '{{ $s = printf "%s%s%s" $s $s $s }}',
      () => "{{ $s = b64enc $s }}",
      () => "{{ $s = toJson (list $s $s) }}",
      () => `{{ $s = until ${big()} | join $s }}`,
      () => `{{ $s = indent ${big()} $s }}`,
      () => '{{ $s = replace "a" $s $s }}',
      () => "{{ $s = cat $s $s $s }}",
      () => "{{ $s = quote $s | upper }}",
      () => `{{ $s = trunc ${big()} $s }}`,
      () => `{{ $s = substr 0 ${big()} $s }}`,
      () => "{{ $s = sha256sum $s }}",
      () => `{{ $s = wrap ${big()} $s }}`,
      () => "{{ $s }}",
    ];
    const body = (depth: number): string => {
      let out = "";
      const n = 1 + r.int(4);
      for (let i = 0; i < n; i++) {
        if (depth > 0 && r() < 0.3) out += `{{ range until ${big()} }}${body(depth - 1)}{{ end }}`;
        else out += r.pick(ops)();
      }
      return out;
    };
    const codes = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const template = `{{ $s := "ab" }}${body(2)}{{ $s }}`;
      const { value, ms } = outcome(template);
      expect(ms, `iteration ${i}: ${template}`).toBeLessThan(PER_RENDER_MS);
      if (typeof value === "string") {
        expect(Buffer.byteLength(value), `iteration ${i}: ${template}`).toBeLessThanOrEqual(CAP);
        codes.set("ok", (codes.get("ok") ?? 0) + 1);
      } else {
        expect(value.code, `iteration ${i}: ${template}`).toMatch(/^TEMPLATE_/);
        codes.set(value.code, (codes.get(value.code) ?? 0) + 1);
      }
    }
    expect(codes.get("TEMPLATE_LIMIT") ?? 0, JSON.stringify(Object.fromEntries(codes))).toBeGreaterThan(0);
    expect(codes.get("ok") ?? 0, JSON.stringify(Object.fromEntries(codes))).toBeGreaterThan(0);
  }, Math.max(60_000, N * 1_000));
});
