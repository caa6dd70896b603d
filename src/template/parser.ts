import type { Token } from "./lexer.ts";
import { lex, parseError } from "./lexer.ts";

/** A number literal with every reading Go's parse.NumberNode allows. */
export interface NumberLit {
  readonly text: string;
  readonly isInt: boolean;
  readonly isFloat: boolean;
  readonly isChar: boolean;
  readonly int: bigint;
  readonly float: number;
}

export type Arg =
  | { k: "field"; pos: number; path: string[] }
  | { k: "var"; pos: number; name: string; path: string[] }
  | { k: "chain"; pos: number; node: Arg; path: string[] }
  | { k: "ident"; pos: number; name: string }
  | { k: "dot"; pos: number }
  | { k: "nil"; pos: number }
  | { k: "bool"; pos: number; v: boolean }
  | { k: "number"; pos: number; n: NumberLit }
  | { k: "string"; pos: number; v: string }
  | { k: "pipe"; pos: number; pipe: Pipe };

export interface Command {
  readonly pos: number;
  readonly args: Arg[];
}
export interface Pipe {
  readonly pos: number;
  readonly decl: string[];
  readonly isAssign: boolean;
  readonly cmds: Command[];
}

export type Node =
  | { k: "text"; pos: number; v: string }
  | { k: "action"; pos: number; pipe: Pipe }
  | { k: "if" | "with"; pos: number; pipe: Pipe; list: Node[]; elseList: Node[] | undefined }
  | { k: "range"; pos: number; pipe: Pipe; list: Node[]; elseList: Node[] | undefined }
  | { k: "template"; pos: number; name: string; pipe: Pipe | undefined }
  | { k: "break" | "continue"; pos: number };

/** A parsed template: the main body and the named templates it defines. */
export interface Parsed {
  readonly root: Node[];
  readonly defs: Map<string, Node[]>;
  readonly src: string;
}

const BUILTINS = new Set(["and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne"]);

type EndKind = "end" | "else" | "eof";

/** Parses a template; throws KsealError TEMPLATE_PARSE with line:col. `isFunc` says which names exist. */
export function parse(src: string, isFunc: (name: string) => boolean): Parsed {
  const toks = lex(src);
  let p = 0;
  const defs = new Map<string, Node[]>();
  let vars: string[] = ["$"];
  let rangeDepth = 0;

  const peek = (): Token => toks[p] ?? { k: "eof", pos: src.length };
  const next = (): Token => toks[p++] ?? { k: "eof", pos: src.length };
  const skipSpace = (): void => {
    while (peek().k === "space") p++;
  };
  const nextNonSpace = (): Token => {
    skipSpace();
    return next();
  };
  const err = (t: { pos: number }, msg: string): never => {
    throw parseError(src, t.pos, msg);
  };
  const expectRight = (context: string): void => {
    const t = nextNonSpace();
    if (t.k !== "right") err(t, `unexpected ${describe(t)} in ${context}`);
  };

  function describe(t: Token): string {
    switch (t.k) {
      case "eof":
        return "EOF";
      case "right":
        return "right delimiter";
      case "keyword":
      case "ident":
      case "field":
      case "var":
        return `"${t.k === "field" ? "." : ""}${t.v}"`;
      default:
        return `<${t.k}>`;
    }
  }

  function useVar(t: { pos: number }, name: string): void {
    if (!vars.includes(name)) err(t, `undefined variable "${name}"`);
  }

  // list parses nodes until {{end}}, {{else}} or EOF; the delimiter-opening token is consumed.
  function itemList(topLevel: boolean): { nodes: Node[]; end: EndKind; endTok: Token } {
    const nodes: Node[] = [];
    for (;;) {
      const t = next();
      if (t.k === "eof") return { nodes, end: "eof", endTok: t };
      if (t.k === "text") {
        nodes.push({ k: "text", pos: t.pos, v: t.v });
        continue;
      }
      if (t.k !== "left") err(t, `unexpected ${describe(t)}`);
      const kw = (skipSpace(), peek());
      if (kw.k === "keyword") {
        p++;
        switch (kw.v) {
          case "end":
            expectRight("end");
            return { nodes, end: "end", endTok: kw };
          case "else":
            return { nodes, end: "else", endTok: kw };
          case "if":
          case "with":
          case "range":
            nodes.push(control(kw.v, kw.pos));
            break;
          case "template":
            nodes.push(templateCall(kw.pos));
            break;
          case "block": {
            const call = templateCall(kw.pos, true);
            const saved = vars;
            vars = ["$"];
            const body = itemList(false);
            vars = saved;
            if (body.end !== "end") err(body.endTok, "unexpected EOF");
            addDef(call.name, body.nodes, kw);
            nodes.push(call);
            break;
          }
          case "define": {
            if (!topLevel) err(kw, "unexpected <define> in command");
            const nameTok = nextNonSpace();
            if (nameTok.k !== "string") err(nameTok, `unexpected ${describe(nameTok)} in define clause`);
            expectRight("define clause");
            const saved = vars;
            const savedRange = rangeDepth;
            vars = ["$"];
            rangeDepth = 0;
            const body = itemList(false);
            vars = saved;
            rangeDepth = savedRange;
            if (body.end !== "end") err(body.endTok, "unexpected EOF");
            addDef(nameTok.k === "string" ? nameTok.v : "", body.nodes, kw);
            break;
          }
          case "break":
          case "continue":
            if (rangeDepth === 0) err(kw, `{{${kw.v}}} outside {{range}}`);
            {
              const r = nextNonSpace();
              if (r.k !== "right") err(r, `unexpected ${describe(r)} in {{${kw.v}}}`);
            }
            nodes.push({ k: kw.v, pos: kw.pos });
            break;
          default:
            err(kw, `unexpected keyword ${kw.v}`);
        }
        continue;
      }
      const pipe = pipeline("command", true);
      nodes.push({ k: "action", pos: t.pos, pipe });
    }
  }

  function addDef(name: string, body: Node[], at: Token): void {
    const isEmpty = body.every((n) => n.k === "text" && /^[ \t\r\n]*$/.test(n.v));
    const prev = defs.get(name);
    if (prev !== undefined && !isEmpty && !prev.every((n) => n.k === "text" && /^[ \t\r\n]*$/.test(n.v))) {
      err(at, `template: multiple definition of template "${name}"`);
    }
    if (prev === undefined || !isEmpty) defs.set(name, body);
  }

  function templateCall(pos: number, isBlock = false): Extract<Node, { k: "template" }> {
    const nameTok = nextNonSpace();
    if (nameTok.k !== "string") err(nameTok, `unexpected ${describe(nameTok)} in template clause`);
    const name = nameTok.k === "string" ? nameTok.v : "";
    skipSpace();
    let pipe: Pipe | undefined;
    if (peek().k === "right") p++;
    else pipe = pipeline(isBlock ? "block clause" : "template clause", false);
    return { k: "template", pos, name, pipe };
  }

  function control(kind: "if" | "with" | "range", pos: number): Node {
    const mark = vars.length;
    if (kind === "range") rangeDepth++;
    const pipe = pipeline(kind, kind === "range" ? "range" : true);
    const body = itemList(false);
    if (kind === "range") rangeDepth--;
    let elseList: Node[] | undefined;
    if (body.end === "eof") err(body.endTok, "unexpected EOF");
    if (body.end === "else") {
      skipSpace();
      const t = peek();
      if ((kind === "if" || kind === "with") && t.k === "keyword" && t.v === kind) {
        // {{else if ...}} / {{else with ...}} nests a control that shares our {{end}}.
        p++;
        elseList = [control(kind, t.pos)];
      } else {
        expectRight("else");
        const rest = itemList(false);
        if (rest.end === "else") err(rest.endTok, "expected end; found {{else}}");
        if (rest.end === "eof") err(rest.endTok, "unexpected EOF");
        elseList = rest.nodes;
      }
    }
    vars = vars.slice(0, mark);
    return { k: kind, pos, pipe, list: body.nodes, elseList };
  }

  // pipeline parses up to and including the right delimiter (or right paren when nested).
  function pipeline(context: string, decls: boolean | "range", endKind: "right" | "rparen" = "right"): Pipe {
    skipSpace();
    const start = peek();
    const decl: string[] = [];
    let isAssign = false;
    if (decls !== false && start.k === "var") {
      const save = p;
      p++;
      skipSpace();
      const op = peek();
      if (op.k === "declare" || op.k === "assign") {
        p++;
        decl.push(start.v);
        isAssign = op.k === "assign";
      } else if (op.k === "comma" && decls === "range") {
        p++;
        skipSpace();
        const second = next();
        if (second.k !== "var") err(second, "range can only initialize variables");
        skipSpace();
        const op2 = next();
        if (op2.k !== "declare" && op2.k !== "assign") err(op2, "range can only initialize variables");
        decl.push(start.v, second.k === "var" ? second.v : "");
        isAssign = op2.k === "assign";
      } else p = save;
      if (isAssign) for (const d of decl) useVar(start, d);
    }
    const cmds: Command[] = [];
    for (;;) {
      skipSpace();
      const t = peek();
      if (t.k === endKind) {
        p++;
        break;
      }
      if (t.k === "right" || t.k === "rparen" || t.k === "eof") err(t, `unexpected ${describe(t)} in ${context}`);
      cmds.push(command());
    }
    if (cmds.length === 0) err(start, `missing value for ${context}`);
    cmds.forEach((c, i) => {
      const first = c.args[0];
      if (i > 0 && first !== undefined && ["bool", "dot", "nil", "number", "string"].includes(first.k)) {
        err(c, `non executable command in pipeline stage ${i + 1}`);
      }
    });
    if (!isAssign) for (const d of decl) vars.push(d);
    return { pos: start.pos, decl, isAssign, cmds };
  }

  function command(): Command {
    skipSpace();
    const pos = peek().pos;
    const args: Arg[] = [];
    for (;;) {
      skipSpace();
      const t = peek();
      if (t.k === "pipe") {
        p++;
        break;
      }
      if (t.k === "right" || t.k === "rparen") break;
      args.push(operand());
      const after = peek();
      if (after.k === "space" || after.k === "right" || after.k === "rparen" || after.k === "pipe") continue;
      err(after, `unexpected ${describe(after)} in operand`);
    }
    if (args.length === 0) err({ pos }, "missing value for command");
    return { pos, args };
  }

  function operand(): Arg {
    const node = term();
    if (peek().k !== "field") return node;
    const path: string[] = [];
    while (peek().k === "field") {
      const f = next();
      if (f.k === "field") path.push(f.v);
    }
    switch (node.k) {
      case "field":
        return { ...node, path: [...node.path, ...path] };
      case "var":
        return { ...node, path: [...node.path, ...path] };
      case "bool":
      case "string":
      case "number":
      case "nil":
      case "dot":
        return err(node, `unexpected . after term ${JSON.stringify(node.k)}`);
      default:
        return { k: "chain", pos: node.pos, node, path };
    }
  }

  function term(): Arg {
    const t = next();
    switch (t.k) {
      case "ident":
        if (!BUILTINS.has(t.v) && !isFunc(t.v)) err(t, `function "${t.v}" not defined`);
        return { k: "ident", pos: t.pos, name: t.v };
      case "dot":
        return { k: "dot", pos: t.pos };
      case "nil":
        return { k: "nil", pos: t.pos };
      case "var":
        useVar(t, t.v);
        return { k: "var", pos: t.pos, name: t.v, path: [] };
      case "field":
        return { k: "field", pos: t.pos, path: [t.v] };
      case "bool":
        return { k: "bool", pos: t.pos, v: t.v };
      case "string":
        return { k: "string", pos: t.pos, v: t.v };
      case "number":
        return { k: "number", pos: t.pos, n: parseNumber(src, t.pos, t.text) };
      case "char":
        return { k: "number", pos: t.pos, n: { text: t.text, isInt: true, isFloat: true, isChar: true, int: BigInt(t.v), float: t.v } };
      case "lparen": {
        const pipe = pipeline("parenthesized pipeline", false, "rparen");
        return { k: "pipe", pos: t.pos, pipe };
      }
      default:
        return err(t, `unexpected ${describe(t)} in operand`);
    }
  }

  const top = itemList(true);
  if (top.end !== "eof") err(top.endTok, `unexpected {{${top.end}}}`);
  return { root: top.nodes, defs, src };
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

function parseNumber(src: string, pos: number, text: string): NumberLit {
  if (text.endsWith("i")) throw parseError(src, pos, "complex numbers are not supported by kseal");
  const bad = (): never => {
    throw parseError(src, pos, `illegal number syntax: ${JSON.stringify(text)}`);
  };
  const neg = text.startsWith("-");
  const body = text.replace(/^[+-]/, "");
  // Underscores are allowed only between digits (and after a base prefix).
  if (body.includes("_") && !/^(0[xXbBoO]_?)?[0-9a-fA-F]+(_[0-9a-fA-F]+)*$/.test(body)) bad();
  const clean = body.replace(/_/g, "");
  let intVal: bigint | undefined;
  if (/^0[xX][0-9a-fA-F]+$/.test(clean) || /^0[bB][01]+$/.test(clean) || /^0[oO][0-7]+$/.test(clean)) {
    intVal = BigInt(clean.toLowerCase().replace(/^0o/, "0o"));
  } else if (/^0[0-7]*$/.test(clean)) {
    intVal = clean.length > 1 ? BigInt("0o" + clean.slice(1)) : 0n;
  } else if (/^[1-9][0-9]*$/.test(clean)) {
    intVal = BigInt(clean);
  }
  if (intVal !== undefined) {
    const v = neg ? -intVal : intVal;
    if (v > INT64_MAX || v < INT64_MIN) {
      // Go keeps it as uint64 when it fits; kseal has no uint literal use, so reject like an overflow.
      if (v >= 0n && v < 1n << 64n) return { text, isInt: false, isFloat: true, isChar: false, int: v, float: Number(v) };
      throw parseError(src, pos, `integer overflow: ${JSON.stringify(text)}`);
    }
    return { text, isInt: true, isFloat: true, isChar: false, int: v, float: Number(v) };
  }
  if (/^0[xX]/.test(clean)) {
    if (!/^0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*[pP][+-]?\d+$/.test(clean)) bad();
    const m = /^0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(clean);
    const ip = m?.[1] ?? "";
    const fp = m?.[2] ?? "";
    const f = (parseInt(ip + fp || "0", 16) / 16 ** fp.length) * 2 ** Number(m?.[3] ?? 0) * (neg ? -1 : 1);
    return floatLit(text, f);
  }
  if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(clean)) bad();
  if (!/[.eE]/.test(clean)) throw parseError(src, pos, `integer overflow: ${JSON.stringify(text)}`);
  return floatLit(text, Number((neg ? "-" : "") + clean));
}

function floatLit(text: string, f: number): NumberLit {
  const isInt = Number.isFinite(f) && Number.isInteger(f) && Math.abs(f) < 2 ** 63;
  return { text, isInt, isFloat: true, isChar: false, int: isInt ? BigInt(f) : 0n, float: f };
}
