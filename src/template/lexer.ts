import { KsealError } from "../errors.ts";
import { bytesOf } from "./value.ts";

/** One lexical item of a Go template. `pos` is an index into the source (UTF-16). */
export type Token =
  | { k: "text"; pos: number; v: string }
  | { k: "left"; pos: number }
  | { k: "right"; pos: number }
  | { k: "space"; pos: number }
  | { k: "field"; pos: number; v: string }
  | { k: "var"; pos: number; v: string }
  | { k: "ident"; pos: number; v: string }
  | { k: "keyword"; pos: number; v: string }
  | { k: "bool"; pos: number; v: boolean }
  | { k: "nil"; pos: number }
  | { k: "dot"; pos: number }
  | { k: "string"; pos: number; v: string }
  | { k: "char"; pos: number; v: number; text: string }
  | { k: "number"; pos: number; text: string }
  | { k: "pipe" | "lparen" | "rparen" | "declare" | "assign" | "comma"; pos: number }
  | { k: "eof"; pos: number };

const KEYWORDS = new Set(["block", "break", "continue", "define", "else", "end", "if", "range", "template", "with"]);

/** Line and column (1-based, in characters) of a source index, for error messages. */
export function lineCol(src: string, pos: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < pos && i < src.length; i++) {
    if (src[i] === "\n") {
      line++;
      col = 1;
    } else col++;
  }
  return `${line}:${col}`;
}

export function parseError(src: string, pos: number, what: string): KsealError {
  return new KsealError("TEMPLATE_PARSE", `template: ${lineCol(src, pos)}: ${what}`, { details: { position: lineCol(src, pos) } });
}

const isSpace = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\r" || c === "\n";
const isAlnum = (c: string | undefined): boolean => c !== undefined && /^[\p{L}\p{Nd}_]$/u.test(c);

/** Decodes the body of a Go interpreted string literal (without quotes) to a byte string. */
function unquote(src: string, pos: number, body: string, q: string): string {
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body.charAt(i);
    if (c !== "\\") {
      if (c === q || c === "\n") throw parseError(src, pos, "unterminated quoted string");
      const cp = body.codePointAt(i) ?? 0;
      const ch = String.fromCodePoint(cp);
      out += bytesOf(ch);
      i += ch.length - 1;
      continue;
    }
    const e = body.charAt(++i);
    const simple: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\" };
    const s = simple[e];
    if (s !== undefined) out += s;
    else if (e === q) out += q;
    else if (e === "x") {
      const h = body.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) throw parseError(src, pos, "invalid syntax in quoted string");
      out += String.fromCharCode(parseInt(h, 16));
      i += 2;
    } else if (/^[0-7]$/.test(e)) {
      const o = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 255) throw parseError(src, pos, "invalid syntax in quoted string");
      out += String.fromCharCode(parseInt(o, 8));
      i += 2;
    } else if (e === "u" || e === "U") {
      const n = e === "u" ? 4 : 8;
      const h = body.slice(i + 1, i + 1 + n);
      const cp = /^[0-9a-fA-F]+$/.test(h) && h.length === n ? parseInt(h, 16) : -1;
      if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw parseError(src, pos, "invalid syntax in quoted string");
      out += bytesOf(String.fromCodePoint(cp));
      i += n;
    } else throw parseError(src, pos, "invalid syntax in quoted string");
  }
  return out;
}

/** Splits a template into tokens, applying `{{-`/`-}}` trimming and dropping comments. */
export function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let trimNext = false;
  while (i <= src.length) {
    const open = src.indexOf("{{", i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    const textPos = i;
    if (trimNext) {
      text = text.replace(/^[ \t\r\n]+/, "");
      trimNext = false;
    }
    let trimLeft = false;
    if (open >= 0 && src[open + 2] === "-" && isSpace(src[open + 3])) trimLeft = true;
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, "");
    if (text.length > 0) out.push({ k: "text", pos: textPos, v: bytesOf(text) });
    if (open < 0) break;
    i = open + 2 + (trimLeft ? 2 : 0);
    // Comments: {{/* ... */}}, with optional trim markers, and nothing else in the action.
    if (src.startsWith("/*", i)) {
      const end = src.indexOf("*/", i + 2);
      if (end < 0) throw parseError(src, open, "unclosed comment");
      i = end + 2;
      let trimRight = false;
      if (isSpace(src[i]) && src[i + 1] === "-" && src.startsWith("}}", i + 2)) {
        trimRight = true;
        i += 2;
      }
      if (!src.startsWith("}}", i)) throw parseError(src, open, "comment ends before closing delimiter");
      i += 2;
      trimNext = trimRight;
      continue;
    }
    out.push({ k: "left", pos: open });
    i = lexAction(src, i, out);
    // lexAction leaves i just after "}}" and reports the trim via the last token.
    const last = out[out.length - 1];
    if (last?.k === "right" && src[last.pos] === "-") trimNext = true;
  }
  out.push({ k: "eof", pos: src.length });
  return out;
}

function lexAction(src: string, start: number, out: Token[]): number {
  let i = start;
  let parens = 0;
  for (;;) {
    const c = src[i];
    if (c === undefined) throw parseError(src, start, "unclosed action");
    // Right delimiter, with trim marker " -}}".
    if (isSpace(c)) {
      const s = i;
      while (isSpace(src[i])) i++;
      if (src[i] === "-" && src.startsWith("}}", i + 1)) {
        if (parens > 0) throw parseError(src, i, "unclosed left paren");
        out.push({ k: "right", pos: i });
        return i + 3;
      }
      out.push({ k: "space", pos: s });
      continue;
    }
    if (src.startsWith("}}", i)) {
      if (parens > 0) throw parseError(src, i, "unclosed left paren");
      out.push({ k: "right", pos: i });
      return i + 2;
    }
    const pos = i;
    if (src.startsWith("/*", i)) throw parseError(src, pos, "comment must be the whole action");
    if (c === "|") {
      out.push({ k: "pipe", pos });
      i++;
    } else if (c === "(") {
      parens++;
      out.push({ k: "lparen", pos });
      i++;
    } else if (c === ")") {
      parens--;
      if (parens < 0) throw parseError(src, pos, "unexpected right paren");
      out.push({ k: "rparen", pos });
      i++;
    } else if (c === ",") {
      out.push({ k: "comma", pos });
      i++;
    } else if (c === ":") {
      if (src[i + 1] !== "=") throw parseError(src, pos, "expected :=");
      out.push({ k: "declare", pos });
      i += 2;
    } else if (c === "=") {
      out.push({ k: "assign", pos });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') {
        if (src[j] === "\\") j++;
        if (src[j] === "\n") throw parseError(src, pos, "unterminated quoted string");
        j++;
      }
      if (j >= src.length) throw parseError(src, pos, "unterminated quoted string");
      out.push({ k: "string", pos, v: unquote(src, pos, src.slice(i + 1, j), '"') });
      i = j + 1;
    } else if (c === "`") {
      const j = src.indexOf("`", i + 1);
      if (j < 0) throw parseError(src, pos, "unterminated raw quoted string");
      out.push({ k: "string", pos, v: bytesOf(src.slice(i + 1, j).replace(/\r/g, "")) });
      i = j + 1;
    } else if (c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== "'") {
        if (src[j] === "\\") j++;
        if (src[j] === "\n") throw parseError(src, pos, "unterminated character constant");
        j++;
      }
      if (j >= src.length) throw parseError(src, pos, "unterminated character constant");
      const b = unquote(src, pos, src.slice(i + 1, j), "'");
      const cps = [...Buffer.from(b, "latin1").toString("utf8")];
      const isSingleByteEscape = /^\\(x|[0-7])/.test(src.slice(i + 1, j));
      if (isSingleByteEscape ? b.length !== 1 : cps.length !== 1) throw parseError(src, pos, "malformed character constant");
      const v = isSingleByteEscape ? b.charCodeAt(0) : (cps[0]?.codePointAt(0) ?? 0);
      out.push({ k: "char", pos, v, text: src.slice(i, j + 1) });
      i = j + 1;
    } else if (c === "$") {
      let j = i + 1;
      while (isAlnum(src[j])) j++;
      out.push({ k: "var", pos, v: src.slice(i, j) });
      i = j;
    } else if (c === ".") {
      if (/[0-9]/.test(src[i + 1] ?? "")) i = lexNumber(src, i, out);
      else if (isAlnum(src[i + 1])) {
        let j = i + 1;
        while (isAlnum(src[j])) j++;
        out.push({ k: "field", pos, v: src.slice(i + 1, j) });
        i = j;
      } else {
        out.push({ k: "dot", pos });
        i++;
      }
    } else if (/[0-9+-]/.test(c)) {
      i = lexNumber(src, i, out);
    } else if (isAlnum(c)) {
      let j = i;
      while (isAlnum(src[j])) j++;
      const w = src.slice(i, j);
      if (KEYWORDS.has(w)) out.push({ k: "keyword", pos, v: w });
      else if (w === "true" || w === "false") out.push({ k: "bool", pos, v: w === "true" });
      else if (w === "nil") out.push({ k: "nil", pos });
      else out.push({ k: "ident", pos, v: w });
      i = j;
    } else {
      throw parseError(src, pos, `unrecognized character in action: ${JSON.stringify(c)}`);
    }
  }
}

function lexNumber(src: string, i: number, out: Token[]): number {
  const m = /^[+-]?(0[xX][0-9a-fA-F_]*\.?[0-9a-fA-F_]*([pP][+-]?[0-9_]+)?|0[bB][01_]+|0[oO][0-7_]+|[0-9_]*\.?[0-9_]*([eE][+-]?[0-9_]+)?)i?/.exec(src.slice(i));
  const text = m?.[0] ?? "";
  const end = i + text.length;
  if (text === "" || text === "+" || text === "-" || isAlnum(src[end]) || src[end] === ".") {
    throw parseError(src, i, `bad number syntax: ${JSON.stringify(src.slice(i, end + 1))}`);
  }
  out.push({ k: "number", pos: i, text });
  return end;
}
