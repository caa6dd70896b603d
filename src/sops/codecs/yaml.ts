/**
 * YAML ⇄ tree, with comments, key order and multiple documents kept. Values resolve the way
 * go-yaml v3 (sops' parser) resolves them: YAML 1.2 core types plus timestamps; anchors are
 * expanded. Output is indented by 4 like sops, long values never folded.
 */
import { Document, isAlias, isMap, isPair, isScalar, isSeq, Pair, parseAllDocuments, Scalar, YAMLMap, YAMLSeq } from "yaml";
import type { Node as YNode } from "yaml";
import { sopsError, SopsCode } from "../errors.ts";
import { checkDepth } from "../limits.ts";
import type { Limits } from "../limits.ts";
import { goTimestamp, formatGoFloat } from "../tree.ts";
import type { Branches, Comment, Mapping, Pair as TPair, Sequence, Value } from "../tree.ts";

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function commentLines(text: string | null | undefined, inline = false): Comment[] {
  if (text === null || text === undefined || text === "") return [];
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((value) => ({ kind: "comment" as const, value, inline }));
}

interface Ctx {
  readonly doc: Document.Parsed;
  readonly limits: Limits;
  /** Nodes decoded, and how many of them through an alias (go-yaml's excessive-aliasing guard). */
  readonly counts: { decoded: number; aliased: number; aliasDepth: number };
}

/** go-yaml v3's allowed share of alias-expanded nodes, which sops inherits (billion laughs). */
function allowedAliasRatio(decoded: number): number {
  if (decoded <= 400_000) return 0.99;
  if (decoded >= 4_000_000) return 0.1;
  return 0.99 - 0.89 * ((decoded - 400_000) / 3_600_000);
}

function countNode(ctx: Ctx): void {
  const c = ctx.counts;
  c.decoded++;
  if (c.aliasDepth > 0) c.aliased++;
  if (c.aliased > 100 && c.decoded > 1000 && c.aliased / c.decoded > allowedAliasRatio(c.decoded)) {
    throw sopsError(SopsCode.Limit, "the YAML document contains excessive aliasing");
  }
}

function scalarText(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (v instanceof Date) return v.toISOString();
  return "";
}

function scalarValue(n: Scalar): Value {
  const v: unknown = n.value;
  if (v === null || v === undefined) return { kind: "null" };
  if (typeof v === "boolean") return { kind: "scalar", type: "bool", text: v ? "True" : "False" };
  if (typeof v === "bigint") {
    if (v > INT64_MAX || v < INT64_MIN) return { kind: "scalar", type: "float", text: formatGoFloat(Number(v)) };
    return { kind: "scalar", type: "int", text: v.toString() };
  }
  if (typeof v === "number") return { kind: "scalar", type: "float", text: formatGoFloat(v) };
  const s = scalarText(v);
  if (n.type === "PLAIN" && n.tag === undefined) {
    const t = goTimestamp(s);
    if (t !== null) return { kind: "scalar", type: "time", text: t };
  }
  return { kind: "scalar", type: "str", text: s };
}

function toValue(node: unknown, ctx: Ctx, depth: number): Value {
  checkDepth(depth, ctx.limits);
  countNode(ctx);
  if (isAlias(node)) {
    ctx.counts.aliasDepth++;
    try {
      return toValue(node.resolve(ctx.doc), ctx, depth + 1);
    } finally {
      ctx.counts.aliasDepth--;
    }
  }
  if (isScalar(node)) return scalarValue(node);
  if (isMap(node)) return toMapping(node, ctx, depth, false);
  if (isSeq(node)) return toSequence(node, ctx, depth);
  if (node === null || node === undefined) return { kind: "null" };
  throw sopsError(SopsCode.Parse, "unsupported YAML node");
}

function keyText(key: unknown, ctx: Ctx): string {
  if (isScalar(key)) return key.value === null ? "" : scalarText(key.value);
  if (isAlias(key)) return keyText(key.resolve(ctx.doc), ctx);
  throw sopsError(SopsCode.Parse, "YAML mapping keys must be scalars");
}

function toMapping(node: YAMLMap, ctx: Ctx, depth: number, root: boolean): Mapping {
  const items: (TPair | Comment)[] = root ? [] : commentLines(node.commentBefore);
  for (const p of node.items) {
    if (!isPair(p)) continue;
    const key = p.key as YNode | null;
    const kc = key as { commentBefore?: string | null; comment?: string | null } | null;
    items.push(...commentLines(kc?.commentBefore), ...commentLines(kc?.comment));
    const v = p.value as YNode | null;
    const scalarLike = v === null || isScalar(v) || isAlias(v);
    if (scalarLike && v !== null) {
      items.push(...commentLines(v.commentBefore), ...commentLines(v.comment, true));
    }
    items.push({ kind: "pair", key: keyText(key, ctx), value: toValue(v, ctx, depth + 1) });
  }
  if (!root) items.push(...commentLines(node.comment));
  return { kind: "map", items };
}

function toSequence(node: YAMLSeq, ctx: Ctx, depth: number): Sequence {
  const items: (Value | Comment)[] = commentLines(node.commentBefore);
  for (const it of node.items) {
    const n = it as YNode | null;
    if (n !== null && (isScalar(n) || isAlias(n))) {
      items.push(...commentLines(n.commentBefore), ...commentLines(n.comment, true));
    }
    items.push(toValue(n, ctx, depth + 1));
  }
  items.push(...commentLines(node.comment));
  return { kind: "seq", items };
}

/** Parses YAML into one mapping per document. Throws SOPS_PARSE (with a line, never content). */
export function parseYaml(text: string, limits: Limits): Branches {
  const docs = parseAllDocuments(text, { schema: "core", intAsBigInt: true, uniqueKeys: true, prettyErrors: false });
  if (!Array.isArray(docs)) throw sopsError(SopsCode.Parse, "invalid YAML");
  const out: Branches = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err !== undefined) {
      const line = err.linePos?.[0].line ?? 0;
      throw sopsError(SopsCode.Parse, `invalid YAML (${err.code}) at line ${line}`, { line });
    }
    const ctx: Ctx = { doc, limits, counts: { decoded: 0, aliased: 0, aliasDepth: 0 } };
    const contents = doc.contents as YNode | null;
    const head = [...commentLines(doc.commentBefore), ...commentLines(contents?.commentBefore)];
    let m: Mapping;
    if (contents === null || (isScalar(contents) && contents.value === null)) m = { kind: "map", items: [] };
    else if (isMap(contents)) m = toMapping(contents, ctx, 1, true);
    else throw sopsError(SopsCode.Parse, "a YAML document must be a mapping");
    m.items.unshift(...head);
    m.items.push(...commentLines(isMap(contents) ? contents.comment : null), ...commentLines(doc.comment));
    out.push(m);
  }
  return out;
}

function joinComments(cs: readonly Comment[]): string {
  return cs.map((c) => c.value).join("\n");
}

function addBefore(node: { commentBefore?: string | null }, cs: readonly Comment[]): void {
  if (cs.length === 0) return;
  const text = joinComments(cs);
  node.commentBefore = node.commentBefore !== undefined && node.commentBefore !== null && node.commentBefore !== "" ? `${text}\n${node.commentBefore}` : text;
}

function scalarNode(v: Value): YNode {
  if (v.kind === "null") return new Scalar(null);
  if (v.kind === "map") return mapNode(v);
  if (v.kind === "seq") return seqNode(v);
  switch (v.type) {
    case "int":
      return new Scalar(BigInt(v.text));
    case "float":
      return new Scalar(Number(v.text));
    case "bool":
      return new Scalar(v.text === "True");
    case "time": {
      const s = new Scalar(v.text);
      s.type = "PLAIN";
      return s;
    }
    case "bytes":
      return new Scalar(Buffer.from(v.bytes ?? []).toString("utf8"));
    case "str": {
      const s = new Scalar(v.text);
      // go-yaml would read these back as timestamps, so they must stay quoted.
      if (goTimestamp(v.text) !== null) s.type = "QUOTE_DOUBLE";
      return s;
    }
  }
}

function isCollection(n: YNode): boolean {
  return isMap(n) || isSeq(n);
}

function mapNode(m: Mapping): YAMLMap {
  const node = new YAMLMap();
  let head: Comment[] = [];
  let inline: Comment[] = [];
  for (const item of m.items) {
    if (item.kind === "comment") {
      (item.inline ? inline : head).push(item);
      continue;
    }
    const key = new Scalar(item.key);
    const value = scalarNode(item.value);
    if (inline.length > 0 && isCollection(value)) {
      head.push(...inline);
      inline = [];
    }
    addBefore(key, head);
    head = [];
    if (inline.length > 0) {
      (value as Scalar).comment = joinComments(inline);
      inline = [];
    }
    node.items.push(new Pair(key, value));
  }
  const rest = [...head, ...inline];
  if (rest.length > 0) node.comment = joinComments(rest);
  return node;
}

function seqNode(s: Sequence): YAMLSeq {
  const node = new YAMLSeq();
  let head: Comment[] = [];
  let inline: Comment[] = [];
  for (const item of s.items) {
    if (item.kind === "comment") {
      (item.inline ? inline : head).push(item);
      continue;
    }
    const value = scalarNode(item);
    if (inline.length > 0 && isCollection(value)) {
      head.push(...inline);
      inline = [];
    }
    addBefore(value, head);
    head = [];
    if (inline.length > 0) {
      (value as Scalar).comment = joinComments(inline);
      inline = [];
    }
    node.items.push(value);
  }
  const rest = [...head, ...inline];
  if (rest.length > 0) node.comment = joinComments(rest);
  return node;
}

/** Emits one YAML document per branch, separated by `---`. */
export function emitYaml(branches: Branches): string {
  return branches
    .map((b) => {
      const doc = new Document(null, { schema: "core", intAsBigInt: true });
      const contents = mapNode(b);
      doc.contents = contents;
      if (contents.items.length === 0) {
        const c = contents.comment;
        doc.contents = new YAMLMap();
        if (c !== undefined && c !== null) doc.commentBefore = c;
      }
      return doc.toString({ indent: 4, indentSeq: true, lineWidth: 0, minContentWidth: 0 });
    })
    .join("---\n");
}
