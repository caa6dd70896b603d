import { describe, expect, it } from "vitest";
import { isKsealError } from "../../src/errors.ts";
import { renderTemplate, renderTemplateBytes } from "../../src/template/index.ts";

const SECRET = "hunter2-SECRET-VALUE";

function failure(fn: () => unknown): { code: string; message: string; details: Readonly<Record<string, unknown>> } {
  try {
    fn();
  } catch (e: unknown) {
    if (isKsealError(e)) return { code: e.code, message: e.message, details: e.details };
    throw e;
  }
  throw new Error("expected a KsealError");
}

describe("renderTemplate errors and limits", () => {
  const cases: { name: string; template: string; code: string; fn?: string; reason: string }[] = [
    { name: "parse error", template: "a\n  {{ .x ", code: "TEMPLATE_PARSE", reason: "unclosed action" },
    { name: "missing key", template: "{{ .nope }}", code: "TEMPLATE_EXEC", reason: "ESO's missingkey=error" },
    { name: "function failure names the function", template: "{{ div 1 0 }}", code: "TEMPLATE_EXEC", fn: "div", reason: "function errors carry the name" },
    { name: "certificates in a loop", template: '{{ range until 100 }}{{ genCA "x" 1 }}{{ end }}', code: "TEMPLATE_LIMIT", reason: "key generation counts heavily against the step budget" },
    { name: "bcrypt in a loop", template: '{{ range until 100 }}{{ bcrypt "pw" }}{{ end }}', code: "TEMPLATE_LIMIT", reason: "CPU-heavy functions count heavily against the step budget" },
    { name: "env never offered", template: '{{ env "HOME" }}', code: "TEMPLATE_PARSE", reason: "no environment access" },
    { name: "step limit", template: "{{ range $i := until 100000 }}{{ range $j := until 100000 }}{{ end }}{{ end }}", code: "TEMPLATE_LIMIT", reason: "hostile loops stop" },
    { name: "output limit", template: '{{ range until 100000 }}{{ repeat 100 "x" }}{{ end }}', code: "TEMPLATE_LIMIT", reason: "output is bounded" },
    { name: "huge repeat", template: '{{ repeat 1000000000 "xx" }}', code: "TEMPLATE_LIMIT", reason: "no giant allocation" },
    { name: "string doubling", template: '{{ $s := "ab" }}{{ range until 64 }}{{ $s = print $s $s }}{{ end }}', code: "TEMPLATE_LIMIT", reason: "intermediate strings are bounded" },
    { name: "infinite recursion", template: '{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}', code: "TEMPLATE_LIMIT", reason: "recursion is bounded" },
    { name: "regex Go refuses", template: '{{ mustRegexFind "(?<=a)b" "ab" }}', code: "TEMPLATE_EXEC", fn: "mustRegexFind", reason: "a pattern Go's regexp rejects fails the call, as in Go" },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.reason}`, () => {
      const f = failure(() => renderTemplate(c.template, { pass: SECRET }, { maxSteps: 200_000, maxOutputBytes: 64 * 1024 }));
      expect(f.code).toBe(c.code);
      if (c.fn !== undefined) {
        expect(f.details.function).toBe(c.fn);
        expect(f.message).toContain(c.fn);
      }
    });
  }

  it("reports line:column", () => {
    const f = failure(() => renderTemplate("line one\nline two {{ .nope }}", {}));
    expect(f.message).toMatch(/2:13/);
    expect(f.details.position).toBe("2:13");
  });

  it("never puts a data value in an error message", () => {
    const templates = [
      "{{ .pass | atoi | upper }}",
      "{{ index .pass 99 }}",
      "{{ .pass.field }}",
      "{{ eq .pass 1 }}",
      "{{ .pass | fail }}",
      "{{ range .pass }}{{ end }}",
      "{{ template .pass }}",
      "{{ mustFromJson .pass }}",
      "{{ mustRegexMatch (print .pass \"(\") \"x\" }}",
      "{{ mustRegexMatch (print \"[\" .pass) \"x\" }}",
      "{{ mustRegexMatch (print .pass \"\\\\C\") \"x\" }}",
      "{{ len (.pass | int) }}",
      "{{ printf .pass | hasKey . }}",
    ];
    for (const t of templates) {
      let message = "";
      try {
        renderTemplate(t, { pass: SECRET });
      } catch (e: unknown) {
        message = e instanceof Error ? e.message + JSON.stringify(isKsealError(e) ? e.details : {}) : String(e);
      }
      expect(message, t).not.toBe("");
      expect(message, t).not.toContain(SECRET);
      expect(message, t).not.toContain("hunter2");
    }
  });

  it("passes binary values through byte for byte", () => {
    const bin = new Uint8Array([0, 255, 254, 128, 10, 195, 40]);
    expect(Buffer.from(renderTemplateBytes("{{ .bin }}", { bin })).equals(Buffer.from(bin))).toBe(true);
    expect(renderTemplate("{{ .bin | b64enc }}", { bin })).toBe(Buffer.from(bin).toString("base64"));
  });

  it("sealed-secrets keeps Go's default missingkey", () => {
    expect(renderTemplate("[{{ .nope }}]", {}, { funcs: "sealed-secrets" })).toBe("[<no value>]");
    expect(renderTemplate("[{{ .nope }}]", {}, { funcs: "sealed-secrets", missingKey: "zero" })).toBe("[]");
  });
});
