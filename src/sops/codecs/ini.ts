/**
 * INI ⇄ tree, following the go-ini library sops uses: sections are top-level mappings, every
 * value is a string, a comment line belongs to the key (or section) below it and sits after that
 * key in the tree, as sops places it. Output aligns `=` within a section like go-ini.
 */
import { sopsError, SopsCode } from "../errors.ts";
import type { Branches, Comment, Mapping, Pair } from "../tree.ts";

const DEFAULT = "DEFAULT";

function stripCommentChar(c: string): string {
  if (c.startsWith(";")) return c.replace(/^[; ]+/, "");
  if (c.startsWith("#")) return c.replace(/^[# ]+/, "");
  return c;
}

function unquote(v: string): string {
  if (v.length >= 6 && v.startsWith('"""') && v.endsWith('"""')) return v.slice(3, -3);
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("`") && v.endsWith("`")))) {
    return v.slice(1, -1);
  }
  return v;
}

export function parseIni(text: string): Branches {
  const sections: Pair[] = [];
  const defaultSection: Mapping = { kind: "map", items: [] };
  let current = defaultSection;
  let pending: string[] = [];
  const lines = text.replaceAll("\r\n", "\n").split("\n");
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] ?? "").trim();
    if (line === "") continue;
    if (line.startsWith(";") || line.startsWith("#")) {
      pending.push(line);
      continue;
    }
    if (line.startsWith("[")) {
      const end = line.indexOf("]");
      if (end < 0) throw sopsError(SopsCode.Parse, `invalid INI section at line ${n + 1}`, { line: n + 1 });
      current = { kind: "map", items: [] };
      if (pending.length > 0) current.items.push({ kind: "comment", value: stripCommentChar(pending.join("\n")), inline: false });
      pending = [];
      sections.push({ kind: "pair", key: line.slice(1, end).trim(), value: current });
      continue;
    }
    let value = "";
    let key = line;
    const m = /[=:]/.exec(line);
    if (m !== null) {
      key = line.slice(0, m.index).trim();
      value = line.slice(m.index + 1).trim();
      if (value.startsWith('"""') && !(value.length >= 6 && value.endsWith('"""'))) {
        // multi-line """ value
        const parts = [value.slice(3)];
        while (++n < lines.length) {
          const l = lines[n] ?? "";
          if (l.trimEnd().endsWith('"""')) {
            parts.push(l.trimEnd().slice(0, -3));
            break;
          }
          parts.push(l);
        }
        value = parts.join("\n");
      } else value = unquote(value);
    }
    current.items.push({ kind: "pair", key, value: { kind: "scalar", type: "str", text: value } });
    if (pending.length > 0) current.items.push({ kind: "comment", value: stripCommentChar(pending.join("\n")), inline: false });
    pending = [];
  }
  const items: (Pair | Comment)[] = [];
  if (defaultSection.items.length > 0) items.push({ kind: "pair", key: DEFAULT, value: defaultSection });
  items.push(...sections);
  return [{ kind: "map", items }];
}

function quote(v: string): string {
  if (v.includes("\n")) return `"""${v}"""`;
  if (/[#;`]/.test(v) || v !== v.trim()) return v.includes("`") ? `"${v}"` : `\`${v}\``;
  return v;
}

function commentLines(c: string): string {
  return c
    .split("\n")
    .map((l) => (l.startsWith(";") || l.startsWith("#") ? l : `; ${l}`))
    .join("\n");
}

export function emitIni(branches: Branches): string {
  const out: string[] = [];
  for (const item of branches[0]?.items ?? []) {
    if (item.kind === "comment") continue;
    const sec = item.value;
    if (sec.kind !== "map") throw sopsError(SopsCode.Parse, "INI values must be inside sections");
    let first = 0;
    let block = "";
    const head = sec.items[0];
    if (head?.kind === "comment") {
      block += `${commentLines(head.value)}\n`;
      first = 1;
    }
    if (item.key !== DEFAULT) block += `[${item.key}]\n`;
    // go-ini: a comment after a key in the tree is written above that key
    const keys: { key: string; value: string; comment?: string }[] = [];
    for (const it of sec.items.slice(first)) {
      if (it.kind === "comment") {
        const last = keys[keys.length - 1];
        if (last !== undefined) last.comment = it.value;
        continue;
      }
      const v = it.value;
      if (v.kind === "map" || v.kind === "seq") throw sopsError(SopsCode.Parse, "INI cannot hold nested values");
      keys.push({ key: it.key, value: v.kind === "null" ? "" : v.type === "bool" ? v.text.toLowerCase() : v.text });
    }
    const width = Math.max(0, ...keys.map((k) => k.key.length));
    for (const k of keys) {
      if (k.comment !== undefined) block += `${commentLines(k.comment)}\n`;
      block += `${k.key.padEnd(width)} = ${quote(k.value)}\n`;
    }
    out.push(block);
  }
  return out.join("\n");
}
