/**
 * JSON ⇄ tree. Key order is kept (a small parser: `JSON.parse` reorders integer-like keys), numbers
 * resolve like sops' decoder (an integer when it fits int64, else a float), output is tab-indented
 * with Go's escaping of `<`, `>` and `&`, as sops writes it. JSON has no comments.
 */
import { sopsError, SopsCode } from "../errors.ts";
import { checkDepth } from "../limits.ts";
import type { Limits } from "../limits.ts";
import { formatGoFloat } from "../tree.ts";
import type { Branches, Mapping, Value } from "../tree.ts";

const INT = /^-?(0|[1-9]\d*)$/;

class Parser {
  private i = 0;
  private readonly s: string;
  private readonly limits: Limits;
  constructor(s: string, limits: Limits) {
    this.s = s;
    this.limits = limits;
  }

  fail(): never {
    throw sopsError(SopsCode.Parse, `invalid JSON at offset ${this.i}`, { offset: this.i });
  }

  ws(): void {
    while (this.i < this.s.length && " \t\n\r".includes(this.s.charAt(this.i))) this.i++;
  }

  top(): Mapping {
    this.ws();
    if (this.s.charAt(this.i) !== "{") {
      throw sopsError(SopsCode.Parse, "a JSON document must be an object");
    }
    const v = this.value(1);
    this.ws();
    if (this.i !== this.s.length) this.fail();
    return v as Mapping;
  }

  value(depth: number): Value {
    checkDepth(depth, this.limits);
    this.ws();
    const c = this.s.charAt(this.i);
    if (c === "{") {
      this.i++;
      const m: Mapping = { kind: "map", items: [] };
      this.ws();
      if (this.s.charAt(this.i) === "}") {
        this.i++;
        return m;
      }
      for (;;) {
        this.ws();
        if (this.s.charAt(this.i) !== '"') this.fail();
        const key = this.string();
        this.ws();
        if (this.s.charAt(this.i) !== ":") this.fail();
        this.i++;
        m.items.push({ kind: "pair", key, value: this.value(depth + 1) });
        this.ws();
        const d = this.s.charAt(this.i++);
        if (d === "}") return m;
        if (d !== ",") this.fail();
      }
    }
    if (c === "[") {
      this.i++;
      const items: Value[] = [];
      this.ws();
      if (this.s.charAt(this.i) === "]") {
        this.i++;
        return { kind: "seq", items };
      }
      for (;;) {
        items.push(this.value(depth + 1));
        this.ws();
        const d = this.s.charAt(this.i++);
        if (d === "]") return { kind: "seq", items };
        if (d !== ",") this.fail();
      }
    }
    if (c === '"') return { kind: "scalar", type: "str", text: this.string() };
    for (const [lit, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.s.startsWith(lit, this.i)) {
        this.i += lit.length;
        return v === null ? { kind: "null" } : { kind: "scalar", type: "bool", text: v ? "True" : "False" };
      }
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (m === null) this.fail();
    const text = m[0];
    this.i += text.length;
    if (INT.test(text)) {
      const b = BigInt(text);
      if (b <= 2n ** 63n - 1n && b >= -(2n ** 63n)) return { kind: "scalar", type: "int", text: b.toString() };
    }
    return { kind: "scalar", type: "float", text: formatGoFloat(Number(text)) };
  }

  string(): string {
    const start = this.i;
    this.i++;
    for (;;) {
      const c = this.s.charAt(this.i);
      if (c === "") this.fail();
      if (c === "\\") this.i += 2;
      else if (c === '"') break;
      else if (c < " ") this.fail();
      else this.i++;
    }
    this.i++;
    try {
      return JSON.parse(this.s.slice(start, this.i)) as string;
    } catch {
      return this.fail();
    }
  }
}

/** Parses a JSON object into a one-branch tree. Throws SOPS_PARSE / SOPS_LIMIT. */
export function parseJson(text: string, limits: Limits): Branches {
  return [new Parser(text, limits).top()];
}

/** A JSON string literal as Go's encoding/json writes it. */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function emitValue(v: Value, indent: string): string {
  const inner = `${indent}\t`;
  switch (v.kind) {
    case "null":
      return "null";
    case "scalar":
      switch (v.type) {
        case "int":
          return v.text;
        case "float": {
          const n = Number(v.text);
          return Number.isFinite(n) ? String(n) : goJsonString(v.text);
        }
        case "bool":
          return v.text === "True" ? "true" : "false";
        case "bytes":
          return goJsonString(Buffer.from(v.bytes ?? []).toString("utf8"));
        default:
          return goJsonString(v.text);
      }
    case "seq": {
      const items = v.items.filter((i): i is Value => i.kind !== "comment");
      if (items.length === 0) return "[]";
      return `[\n${items.map((i) => inner + emitValue(i, inner)).join(",\n")}\n${indent}]`;
    }
    case "map": {
      const pairs = v.items.filter((i) => i.kind === "pair");
      if (pairs.length === 0) return "{}";
      return `{\n${pairs.map((p) => `${inner}${goJsonString(p.key)}: ${emitValue(p.value, inner)}`).join(",\n")}\n${indent}}`;
    }
  }
}

/** Emits the (single) branch as tab-indented JSON. */
export function emitJson(branches: Branches): string {
  return emitValue(branches[0] ?? { kind: "map", items: [] }, "");
}
