import { KsealError } from "../errors.ts";
import { lineCol } from "./lexer.ts";
import type { Arg, Command, Node, Parsed, Pipe } from "./parser.ts";
import { sprint, sprintf, sprintln, printV } from "./fmt.ts";
import type { Value } from "./value.ts";
import { bytesOf, int, isInt, isList, isMap, isObj, isTime, sortedKeys, typeName, utf8, zeroOf } from "./value.ts";
import { TIME_METHODS } from "./time.ts";

/** A parameter's Go type, as text/template checks and converts arguments against it. */
export type ParamType =
  | "string"
  | "int"
  | "int64"
  | "float64"
  | "bool"
  | "uint32"
  | "time.Time"
  | "any"
  | "[]interface {}"
  | "map[string]interface {}"
  | "reflect.Value"
  | "sprig.certificate";

/** A Go function as a template sees it: its signature and a JS body. */
export interface GoFunc {
  readonly params: readonly ParamType[];
  /** The element type of a trailing `...T` parameter. */
  readonly variadic?: ParamType;
  readonly fn: (args: Value[], ctx: FuncContext) => Value;
}

/** What a function may know about the render it runs in: only its limits. */
export interface FuncContext {
  readonly maxOutputBytes: number;
  /** Counts `n` steps of work against the step limit (loops inside functions). */
  step(n: number): void;
}

/** A function's failure; text/template reports it as `error calling NAME: message`. */
export class FuncError extends Error {
  override readonly name = "FuncError";
  /** When set, the render fails with this code instead of TEMPLATE_EXEC. */
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.code = code;
  }
}

export type MissingKey = "default" | "zero" | "error";

export interface ExecOptions {
  readonly funcs: ReadonlyMap<string, GoFunc>;
  readonly missingKey: MissingKey;
  readonly maxSteps: number;
  readonly maxOutputBytes: number;
  readonly maxDepth: number;
}

/** Unwinds to the enclosing range; never escapes execute(). */
class LoopSignal extends Error {
  readonly kind: "break" | "continue";
  constructor(kind: "break" | "continue") {
    super(kind);
    this.kind = kind;
  }
}
const BREAK = new LoopSignal("break");
const CONTINUE = new LoopSignal("continue");

/** Marks "no final value from a previous pipeline stage" (Go's missingVal). */
const MISSING = Symbol("missing");
type Final = Value | typeof MISSING;

interface Var {
  name: string;
  value: Value;
}

/** Runs a parsed template against `data`, returning the output as a Go byte string. */
export function execute(parsed: Parsed, data: Value, opts: ExecOptions): string {
  const st = new State(parsed, opts);
  st.vars = [{ name: "$", value: data }];
  st.walkList(data, parsed.root);
  return st.out.join("");
}

class State {
  vars: Var[] = [];
  out: string[] = [];
  outBytes = 0;
  steps = 0;
  depth = 0;
  pos = 0;
  readonly parsed: Parsed;
  readonly opts: ExecOptions;
  readonly ctx: FuncContext;

  constructor(parsed: Parsed, opts: ExecOptions) {
    this.parsed = parsed;
    this.opts = opts;
    this.ctx = { maxOutputBytes: opts.maxOutputBytes, step: (n) => {
      this.step(n);
    } };
  }

  step(n = 1): void {
    this.steps += n;
    if (this.steps > this.opts.maxSteps) {
      throw new KsealError("TEMPLATE_LIMIT", `template: ${lineCol(this.parsed.src, this.pos)}: step limit of ${this.opts.maxSteps} exceeded`, {
        details: { limit: "steps", position: lineCol(this.parsed.src, this.pos) },
      });
    }
  }

  errorf(msg: string, fn?: string): never {
    const where = lineCol(this.parsed.src, this.pos);
    throw new KsealError("TEMPLATE_EXEC", `template: ${where}: ${msg}`, {
      details: fn === undefined ? { position: where } : { position: where, function: fn },
    });
  }

  write(s: string): void {
    this.outBytes += s.length;
    if (this.outBytes > this.opts.maxOutputBytes) {
      throw new KsealError("TEMPLATE_LIMIT", `template: output exceeds ${this.opts.maxOutputBytes} bytes`, { details: { limit: "output" } });
    }
    this.out.push(s);
  }

  walkList(dot: Value, nodes: readonly Node[]): void {
    for (const n of nodes) this.walk(dot, n);
  }

  walk(dot: Value, node: Node): void {
    this.step();
    this.pos = node.pos;
    switch (node.k) {
      case "text":
        this.write(node.v);
        return;
      case "action": {
        const v = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.write(printTop(v));
        return;
      }
      case "if":
      case "with": {
        const mark = this.vars.length;
        const v = this.evalPipeline(dot, node.pipe);
        if (truth(v)) this.walkList(node.k === "with" ? v : dot, node.list);
        else if (node.elseList !== undefined) this.walkList(dot, node.elseList);
        this.vars.length = mark;
        return;
      }
      case "range":
        this.walkRange(dot, node);
        return;
      case "break":
        throw BREAK;
      case "continue":
        throw CONTINUE;
      case "template": {
        const body = this.parsed.defs.get(node.name);
        if (body === undefined) this.errorf(`template "${node.name}" not defined`);
        if (this.depth >= this.opts.maxDepth) {
          throw new KsealError("TEMPLATE_LIMIT", `template: ${lineCol(this.parsed.src, node.pos)}: exceeded maximum template depth (${this.opts.maxDepth})`, {
            details: { limit: "depth" },
          });
        }
        const newDot = node.pipe === undefined ? undefined : this.evalPipeline(dot, node.pipe);
        const saved = this.vars;
        this.vars = [{ name: "$", value: newDot }];
        this.depth++;
        try {
          this.walkList(newDot, body);
        } finally {
          this.depth--;
          this.vars = saved;
        }
        return;
      }
    }
  }

  walkRange(dot: Value, node: Extract<Node, { k: "range" }>): void {
    const val = this.evalPipeline(dot, node.pipe);
    const mark = this.vars.length;
    const decl = node.pipe.decl;
    const one = (index: Value, elem: Value): boolean => {
      this.step();
      if (decl.length > 0) {
        if (node.pipe.isAssign) this.setVar(decl[0] ?? "", decl.length > 1 ? index : elem);
        else this.setTopVar(1, elem);
      }
      if (decl.length > 1) {
        if (node.pipe.isAssign) this.setVar(decl[1] ?? "", elem);
        else this.setTopVar(2, index);
      }
      try {
        this.walkList(elem, node.list);
      } catch (e: unknown) {
        if (e === BREAK) return false;
        if (e !== CONTINUE) throw e;
      } finally {
        this.vars.length = mark;
      }
      return true;
    };
    let ran = false;
    if (isList(val)) {
      for (let i = 0; i < val.items.length; i++) {
        ran = true;
        if (!one(int(i), val.items[i])) break;
      }
    } else if (isMap(val)) {
      for (const k of sortedKeys(val)) {
        ran = true;
        if (!one(k, val.m.get(k))) break;
      }
    } else if (isInt(val)) {
      if (decl.length > 1) this.errorf(`can't use a value of type ${val.kind} to iterate over more than one variable`);
      for (let i = 0n; i < val.v; i++) {
        ran = true;
        const iv = int(i, val.kind);
        if (!one(iv, iv)) break;
      }
    } else if (val !== undefined && val !== null) {
      // Go prints the value here; kseal names only its type (it may be secret data).
      this.errorf(`range can't iterate over a value of type ${typeName(val)}`);
    }
    if (!ran && node.elseList !== undefined) this.walkList(dot, node.elseList);
  }

  setVar(name: string, v: Value): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const slot = this.vars[i];
      if (slot?.name === name) {
        slot.value = v;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  setTopVar(n: number, v: Value): void {
    const slot = this.vars[this.vars.length - n];
    if (slot !== undefined) slot.value = v;
  }

  varValue(name: string): Value {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const slot = this.vars[i];
      if (slot?.name === name) return slot.value;
    }
    return this.errorf(`undefined variable: ${name}`);
  }

  evalPipeline(dot: Value, pipe: Pipe): Value {
    this.pos = pipe.pos;
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // A nil interface{} result becomes "no value", as reflect.ValueOf(nil) does.
      if (value === null) value = undefined;
    }
    const v = value === MISSING ? undefined : value;
    for (const d of pipe.decl) {
      if (pipe.isAssign) this.setVar(d, v);
      else this.vars.push({ name: d, value: v });
    }
    return v;
  }

  evalCommand(dot: Value, cmd: Command, final: Final): Value {
    const first = cmd.args[0];
    if (first === undefined) return this.errorf("empty command");
    this.pos = first.pos;
    switch (first.k) {
      case "field":
        return this.evalFieldChain(dot, dot, first.path, cmd.args, final);
      case "chain": {
        if (first.path.length === 0) this.errorf("internal error: no fields in evalChainNode");
        const recv = this.evalArgValue(dot, first.node);
        return this.evalFieldChain(dot, recv, first.path, cmd.args, final);
      }
      case "ident":
        return this.evalFunction(dot, first.name, cmd.args, final);
      case "pipe":
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first.pipe);
      case "var": {
        const v = this.varValue(first.name);
        if (first.path.length === 0) {
          this.notAFunction(cmd.args, final);
          return v;
        }
        return this.evalFieldChain(dot, v, first.path, cmd.args, final);
      }
      default:
        break;
    }
    this.notAFunction(cmd.args, final);
    switch (first.k) {
      case "bool":
        return first.v;
      case "dot":
        return dot;
      case "nil":
        return this.errorf("nil is not a command");
      case "number":
        return idealConstant(first.n);
      case "string":
        return first.v;
    }
  }

  notAFunction(args: readonly Arg[], final: Final): void {
    if (args.length > 1 || final !== MISSING) {
      const a = args[0];
      this.errorf(`can't give argument to non-function ${a === undefined ? "" : describeArg(a, this.parsed.src)}`);
    }
  }

  evalFieldChain(dot: Value, receiver: Value, path: readonly string[], args: readonly Arg[], final: Final): Value {
    let r = receiver;
    for (let i = 0; i < path.length; i++) {
      const isLast = i === path.length - 1;
      const name = path[i] ?? "";
      const method = methodOf(r, name);
      if (method !== undefined) {
        r = this.callMethod(dot, name, method, isLast ? args.slice(1) : [], isLast ? final : MISSING);
        continue;
      }
      r = this.evalField(name, r, isLast && (args.length > 1 || final !== MISSING));
    }
    return r;
  }

  callMethod(dot: Value, name: string, m: GoFunc, args: readonly Arg[], final: Final): Value {
    const numIn = args.length + (final === MISSING ? 0 : 1);
    if (numIn !== m.params.length) this.errorf(`wrong number of args for ${name}: want ${m.params.length} got ${numIn}`, name);
    const argv = args.map((a, i) => this.evalArg(dot, m.params[i] ?? "any", a, name));
    if (final !== MISSING) argv.push(this.validateType(final, m.params[args.length] ?? "any", name));
    this.step();
    try {
      return m.fn(argv, this.ctx);
    } catch (e: unknown) {
      if (e instanceof KsealError) throw e;
      if (e instanceof FuncError) this.errorf(`error calling ${name}: ${e.message}`, name);
      this.errorf(`error calling ${name}: internal error`, name);
    }
  }

  evalField(name: string, receiver: Value, hasArgs: boolean): Value {
    if (receiver === undefined) {
      if (this.opts.missingKey === "error") this.errorf(`nil data; no entry for key "${name}"`);
      return undefined;
    }
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${name}`);
    if (isObj(receiver) && receiver.fields.has(name)) {
      if (hasArgs) this.errorf(`${name} has arguments but cannot be invoked as function`);
      return receiver.fields.get(name);
    }
    if (isMap(receiver)) {
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      if (receiver.m.has(name)) return receiver.m.get(name);
      switch (this.opts.missingKey) {
        case "error":
          return this.errorf(`map has no entry for key "${name}"`);
        case "zero":
          return zeroOf(receiver.elem);
        case "default":
          return undefined;
      }
    }
    return this.errorf(`can't evaluate field ${name} in type ${typeName(receiver)}`);
  }

  /** Evaluates an argument node to a value with no type expectation (interface{}). */
  evalArgValue(dot: Value, a: Arg): Value {
    this.pos = a.pos;
    switch (a.k) {
      case "dot":
        return dot;
      case "nil":
        return null;
      case "field":
        return this.evalFieldChain(dot, dot, a.path, [a], MISSING);
      case "var": {
        const v = this.varValue(a.name);
        return a.path.length === 0 ? v : this.evalFieldChain(dot, v, a.path, [a], MISSING);
      }
      case "pipe":
        return this.evalPipeline(dot, a.pipe);
      case "ident":
        return this.evalFunction(dot, a.name, [a], MISSING);
      case "chain": {
        const recv = this.evalArgValue(dot, a.node);
        return this.evalFieldChain(dot, recv, a.path, [a], MISSING);
      }
      case "bool":
        return a.v;
      case "number":
        return idealConstant(a.n);
      case "string":
        return a.v;
    }
  }

  /** Go's evalArg: literals are converted to the parameter type, other values are checked against it. */
  evalArg(dot: Value, typ: ParamType, a: Arg, fn: string): Value {
    this.pos = a.pos;
    switch (a.k) {
      case "nil":
        if (canBeNil(typ)) return nilOf(typ);
        return this.errorf(`cannot assign nil to ${typ}`, fn);
      case "bool":
        if (typ === "bool") return a.v;
        if (typ === "any" || typ === "reflect.Value") return a.v;
        return this.errorf(`expected ${expectWord(typ)}; found ${String(a.v)}`, fn);
      case "string":
        if (typ === "string" || typ === "any" || typ === "reflect.Value") return a.v;
        return this.errorf(`expected ${expectWord(typ)}; found ${quoteLit(a.v)}`, fn);
      case "number":
        if (typ === "any" || typ === "reflect.Value") return idealConstant(a.n);
        if ((typ === "int" || typ === "int64") && a.n.isInt) return int(a.n.int, typ);
        if (typ === "uint32" && a.n.isInt && a.n.int >= 0n && a.n.int < 1n << 32n) return int(a.n.int, typ);
        if (typ === "float64" && a.n.isFloat) return a.n.float;
        return this.errorf(`expected ${expectWord(typ)}; found ${a.n.text}`, fn);
      default:
        return this.validateType(this.evalArgValue(dot, a), typ, fn);
    }
  }

  validateType(v: Value, typ: ParamType, fn: string): Value {
    if (v === undefined) {
      // Builtins take reflect.Value and see "no value" as it is (eq .missing "x" is false).
      if (typ === "reflect.Value") return undefined;
      if (canBeNil(typ)) return nilOf(typ);
      return this.errorf(`invalid value; expected ${typ}`, fn);
    }
    if (typ === "any" || typ === "reflect.Value") return v;
    if (v === null) return canBeNil(typ) && typ !== "string" ? nilOf(typ) : this.errorf(`wrong type for value; expected ${typ}; got interface {}`, fn);
    if (typeName(v) === typ) return v;
    return this.errorf(`wrong type for value; expected ${typ}; got ${typeName(v)}`, fn);
  }

  evalFunction(dot: Value, name: string, args: readonly Arg[], final: Final): Value {
    const rest = args.slice(1);
    const b = Object.hasOwn(BUILTINS, name) ? BUILTINS[name] : undefined;
    const f = b === undefined ? this.opts.funcs.get(name) : undefined;
    if (b === undefined && f === undefined) return this.errorf(`"${name}" is not a defined function`);
    const sig: GoFunc = f ?? { params: b?.params ?? [], ...(b?.variadic === undefined ? {} : { variadic: b.variadic }), fn: () => undefined };
    const numIn = rest.length + (final === MISSING ? 0 : 1);
    const at = args[0]?.pos ?? this.pos;
    if (sig.variadic !== undefined) {
      if (numIn < sig.params.length) {
        this.pos = at;
        this.errorf(`wrong number of args for ${name}: want at least ${sig.params.length} got ${numIn}`, name);
      }
    } else if (numIn !== sig.params.length) {
      this.pos = at;
      this.errorf(`wrong number of args for ${name}: want ${sig.params.length} got ${numIn}`, name);
    }
    const typeAt = (i: number): ParamType => sig.params[i] ?? sig.variadic ?? "any";
    if (name === "and" || name === "or") {
      let v: Value = undefined;
      for (const a of rest) {
        v = this.evalArg(dot, "reflect.Value", a, name);
        if (truth(v) === (name === "or")) return v;
      }
      if (final !== MISSING) v = final;
      return v;
    }
    const argv: Value[] = rest.map((a, i) => this.evalArg(dot, typeAt(i), a, name));
    if (final !== MISSING) argv.push(this.validateType(final, typeAt(rest.length), name));
    this.pos = at;
    this.step();
    let result: Value;
    try {
      result = b !== undefined ? b.fn(argv, this) : sig.fn(argv, this.ctx);
    } catch (e: unknown) {
      if (e instanceof KsealError) throw e;
      if (e instanceof FuncError) {
        if (e.code !== undefined) throw new KsealError(e.code, `template: ${lineCol(this.parsed.src, at)}: ${name}: ${e.message}`, { details: { function: name } });
        this.errorf(`error calling ${name}: ${e.message}`, name);
      }
      // A foreign exception's message may quote its input; report only that the call failed.
      if (process.env.KSEAL_DEBUG_TEMPLATE !== undefined) process.stderr.write(`${String(e)}\n${e instanceof Error ? (e.stack ?? "") : ""}\n`);
      this.errorf(`error calling ${name}: ${e instanceof RangeError ? "runtime error" : "internal error"}`, name);
    }
    if (typeof result === "string" && result.length > this.opts.maxOutputBytes) {
      throw new KsealError("TEMPLATE_LIMIT", `template: ${lineCol(this.parsed.src, at)}: ${name} result exceeds ${this.opts.maxOutputBytes} bytes`, {
        details: { limit: "output", function: name },
      });
    }
    return result;
  }
}

/** A Go method of the receiver's type, or undefined when `name` is not one. */
function methodOf(r: Value, name: string): GoFunc | undefined {
  if (isTime(r)) {
    const m = TIME_METHODS.get(name);
    return m === undefined ? undefined : { params: m.params, fn: (args) => m.fn(r, args) };
  }
  if (isObj(r)) {
    const m = r.methods.get(name);
    return m === undefined ? undefined : { params: [], fn: () => m([]) };
  }
  return undefined;
}

function expectWord(t: ParamType): string {
  switch (t) {
    case "int":
    case "int64":
    case "uint32":
      return "integer";
    case "float64":
      return "float";
    default:
      return t;
  }
}
function quoteLit(s: string): string {
  return JSON.stringify(utf8(s));
}

function describeArg(a: Arg, src: string): string {
  switch (a.k) {
    case "number":
      return a.n.text;
    case "string":
      return quoteLit(a.v);
    case "bool":
      return String(a.v);
    case "dot":
      return ".";
    case "nil":
      return "nil";
    default:
      return `at ${lineCol(src, a.pos)}`;
  }
}

function canBeNil(t: ParamType): boolean {
  return t === "any" || t === "[]interface {}" || t === "map[string]interface {}";
}
function nilOf(t: ParamType): Value {
  if (t === "[]interface {}") return { t: "list", elem: "any", items: [], nil: true };
  if (t === "map[string]interface {}") return { t: "map", elem: "any", m: new Map(), nil: true };
  return null;
}

/** Go's idealConstant: how a number literal becomes an interface{} value. */
function idealConstant(n: { isInt: boolean; isFloat: boolean; isChar: boolean; int: bigint; float: number; text: string }): Value {
  const isHexInt = /^[+-]?0[xX][0-9a-fA-F_]+$/.test(n.text);
  if (n.isFloat && !isHexInt && !n.isChar && /[.eEpP]/.test(n.text)) return n.float;
  if (n.isInt) return int(n.int);
  return n.float;
}

/** Go's isTrue. */
export function truth(v: Value): boolean {
  if (v === undefined || v === null) return false;
  switch (typeof v) {
    case "string":
      return v.length > 0;
    case "boolean":
      return v;
    case "number":
      return v !== 0;
  }
  switch (v.t) {
    case "int":
      return v.v !== 0n;
    case "list":
      return v.items.length > 0;
    case "map":
      return v.m.size > 0;
    case "time":
    case "obj":
      return true;
  }
}

/** How an action prints its value: `<no value>` for nothing, fmt's %v otherwise. */
export function printTop(v: Value): string {
  if (v === undefined || v === null) return "<no value>";
  return printV(v);
}

// ---- builtins ----

interface Builtin {
  readonly params: readonly ParamType[];
  readonly variadic?: ParamType;
  readonly fn: (args: Value[], st: State) => Value;
}

type Kind = "bool" | "int" | "float" | "string" | "invalid" | "other";
function basicKind(v: Value): Kind {
  if (v === undefined || v === null) return "invalid";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return "float";
  if (typeof v === "string") return "string";
  if (isInt(v)) return "int";
  return "other";
}

function eqValues(a: Value, b: Value): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka !== kb) {
    if (a !== undefined && a !== null && b !== undefined && b !== null) throw new FuncError("incompatible types for comparison");
    return false;
  }
  switch (ka) {
    case "bool":
    case "float":
    case "string":
      return a === b;
    case "int":
      return isInt(a) && isInt(b) && a.v === b.v;
    case "invalid":
      return true;
    default:
      throw new FuncError(`non-comparable type ${typeName(a)}`);
  }
}

function ltValues(a: Value, b: Value): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === "invalid" || ka === "other" || kb === "invalid" || kb === "other") throw new FuncError("invalid type for comparison");
  if (ka !== kb) throw new FuncError("incompatible types for comparison");
  if (ka === "bool") throw new FuncError("invalid type for comparison");
  if (isInt(a) && isInt(b)) return a.v < b.v;
  return (a as number | string) < (b as number | string);
}

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) =>
    c === "\0" ? "\xef\xbf\xbd" : c === '"' ? "&#34;" : c === "'" ? "&#39;" : c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;",
  );
}
function jsEscape(b: string): string {
  let out = "";
  for (const ch of utf8(b)) {
    const cp = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case "\\": out += "\\\\"; continue;
      case "'": out += "\\'"; continue;
      case '"': out += '\\"'; continue;
      case "<": out += "\\u003C"; continue;
      case ">": out += "\\u003E"; continue;
      case "&": out += "\\u0026"; continue;
      case "=": out += "\\u003D"; continue;
    }
    if (cp < 0x20) out += "\\u" + cp.toString(16).toUpperCase().padStart(4, "0");
    else if (cp < 0x80) out += ch;
    else if (/^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]$/u.test(ch) && cp !== 0xa0 || cp === 0x20) out += bytesOf(ch);
    else out += "\\u" + cp.toString(16).toUpperCase().padStart(4, "0");
  }
  return out;
}
function queryEscape(b: string): string {
  let out = "";
  for (const byte of Buffer.from(b, "latin1")) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}
function evalArgs(args: Value[]): string {
  if (args.length === 1 && typeof args[0] === "string") return args[0];
  return sprint(args);
}

function indexValue(item: Value, indexes: Value[]): Value {
  if (item === undefined || item === null) throw new FuncError("index of untyped nil");
  let cur: Value = item;
  for (const ix of indexes) {
    if (cur === undefined || cur === null) throw new FuncError("index of nil pointer");
    if (typeof cur === "string" || isList(cur)) {
      if (ix === undefined || ix === null) throw new FuncError("cannot index slice/array with nil");
      if (!isInt(ix)) throw new FuncError(`cannot index slice/array with type ${typeName(ix)}`);
      const len = typeof cur === "string" ? cur.length : cur.items.length;
      if (ix.v < 0n || ix.v >= BigInt(len)) throw new FuncError("index out of range");
      const x = Number(ix.v);
      cur = typeof cur === "string" ? int(cur.charCodeAt(x), "uint8") : cur.items[x];
    } else if (isMap(cur)) {
      if (ix === undefined || ix === null) throw new FuncError("value is nil; should be of type string");
      if (typeof ix !== "string") throw new FuncError(`value has type ${typeName(ix)}; should be string`);
      cur = cur.m.has(ix) ? cur.m.get(ix) : zeroOf(cur.elem);
    } else throw new FuncError(`can't index item of type ${typeName(cur)}`);
  }
  return cur;
}

const BUILTINS: Record<string, Builtin | undefined> = {
  and: { params: ["reflect.Value"], variadic: "reflect.Value", fn: () => undefined },
  or: { params: ["reflect.Value"], variadic: "reflect.Value", fn: () => undefined },
  not: { params: ["reflect.Value"], fn: ([a]) => !truth(a) },
  len: {
    params: ["reflect.Value"],
    fn: ([a]) => {
      if (typeof a === "string") return int(a.length);
      if (isList(a)) return int(a.items.length);
      if (isMap(a)) return int(a.m.size);
      if (a === null || a === undefined) throw new FuncError("len of nil pointer");
      throw new FuncError(`len of type ${typeName(a)}`);
    },
  },
  index: { params: ["reflect.Value"], variadic: "reflect.Value", fn: ([item, ...ix]) => indexValue(item, ix) },
  call: {
    params: ["reflect.Value"],
    variadic: "reflect.Value",
    fn: ([f]) => {
      throw new FuncError(`non-function of type ${typeName(f)}`);
    },
  },
  print: { params: [], variadic: "any", fn: (a) => sprint(a) },
  printf: { params: ["string"], variadic: "any", fn: ([f = "", ...a]) => sprintf(f as string, a) },
  println: { params: [], variadic: "any", fn: (a) => sprintln(a) },
  html: { params: [], variadic: "any", fn: (a) => htmlEscape(evalArgs(a)) },
  js: { params: [], variadic: "any", fn: (a) => jsEscape(evalArgs(a)) },
  urlquery: { params: [], variadic: "any", fn: (a) => queryEscape(evalArgs(a)) },
  eq: {
    params: ["reflect.Value"],
    variadic: "reflect.Value",
    fn: ([a, ...rest]) => {
      if (rest.length === 0) throw new FuncError("missing argument for comparison");
      for (const b of rest) if (eqValues(a, b)) return true;
      return false;
    },
  },
  ne: { params: ["reflect.Value", "reflect.Value"], fn: ([a, b]) => !eqValues(a, b) },
  lt: { params: ["reflect.Value", "reflect.Value"], fn: ([a, b]) => ltValues(a, b) },
  le: { params: ["reflect.Value", "reflect.Value"], fn: ([a, b]) => ltValues(a, b) || eqValues(a, b) },
  gt: { params: ["reflect.Value", "reflect.Value"], fn: ([a, b]) => !(ltValues(a, b) || eqValues(a, b)) },
  ge: { params: ["reflect.Value", "reflect.Value"], fn: ([a, b]) => !ltValues(a, b) },
};

/** Names text/template defines itself (sprig may override `slice`). */
export const BUILTIN_NAMES: ReadonlySet<string> = new Set([...Object.keys(BUILTINS), "slice"]);
