import { FuncError } from "../exec.ts";
import type { GoMap, Value } from "../value.ts";
import { map } from "../value.ts";

/**
 * Go's net/url Parse and URL.String, as sprig's urlParse and urlJoin use them, over Go byte
 * strings. Covers absolute and relative URLs, opaque URLs, userinfo, IPv6 hosts, percent-escaping
 * per component; errors where Go errors (bad escapes, control bytes, a missing scheme before `:`).
 */

type Mode = "path" | "host" | "user" | "query" | "fragment";

const UNRESERVED = /[A-Za-z0-9\-_.~]/;

function shouldEscape(c: string, mode: Mode): boolean {
  if (UNRESERVED.test(c)) return false;
  if (mode === "host") return !"!$&'()*+,;=:[]<>\"".includes(c);
  if ("$&+,/:;=?@".includes(c)) {
    switch (mode) {
      case "path":
        return c === "?";
      case "user":
        return c === "@" || c === "/" || c === "?" || c === ":";
      case "query":
        return true;
      case "fragment":
        return false;
    }
  }
  if (mode === "fragment" && "!()*".includes(c)) return false;
  return true;
}

function escape(s: string, mode: Mode): string {
  let out = "";
  for (const c of s) {
    if (!shouldEscape(c, mode)) out += c;
    else if (c === " " && mode === "query") out += "+";
    else out += "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

function unescape(s: string, mode: Mode): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (c === "%") {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(h)) throw new FuncError("unable to parse url: invalid URL escape");
      out += String.fromCharCode(parseInt(h, 16));
      i += 2;
    } else {
      if (mode === "host" && c.charCodeAt(0) < 0x80 && shouldEscape(c, "host")) throw new FuncError("unable to parse url: invalid character in host name");
      out += c;
    }
  }
  return out;
}

interface Url {
  scheme: string;
  opaque: string;
  user?: { name: string; pass?: string };
  host: string;
  path: string;
  rawQuery: string;
  forceQuery: boolean;
  fragment: string;
}

function splitScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return ["", raw];
      continue;
    }
    if (c === ":") {
      if (i === 0) throw new FuncError("unable to parse url: missing protocol scheme");
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ["", raw];
  }
  return ["", raw];
}

function parseAuthority(auth: string): Pick<Url, "user" | "host"> {
  const at = auth.lastIndexOf("@");
  const hostPart = at < 0 ? auth : auth.slice(at + 1);
  let host: string;
  if (hostPart.startsWith("[")) {
    const end = hostPart.indexOf("]");
    if (end < 0) throw new FuncError("unable to parse url: missing ']' in host");
    const port = hostPart.slice(end + 1);
    if (port !== "" && !/^:\d*$/.test(port)) throw new FuncError("unable to parse url: invalid port after host");
    host = unescape(hostPart, "host");
  } else {
    const colon = hostPart.lastIndexOf(":");
    if (colon >= 0 && !/^:\d*$/.test(hostPart.slice(colon))) throw new FuncError("unable to parse url: invalid port after host");
    host = unescape(hostPart, "host");
  }
  if (at < 0) return { host };
  const info = auth.slice(0, at);
  if (!/^[A-Za-z0-9\-._~!$&'()*+,;=:%@]*$/.test(info)) throw new FuncError("unable to parse url: invalid userinfo");
  const colon = info.indexOf(":");
  const user = colon < 0 ? { name: unescape(info, "user") } : { name: unescape(info.slice(0, colon), "user"), pass: unescape(info.slice(colon + 1), "user") };
  return { user, host };
}

export function parseUrl(raw: string): Url {
  if ([...raw].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) throw new FuncError("unable to parse url: invalid control character in URL");
  const hash = raw.indexOf("#");
  const frag = hash < 0 ? "" : unescape(raw.slice(hash + 1), "fragment");
  const body = hash < 0 ? raw : raw.slice(0, hash);
  const u: Url = { scheme: "", opaque: "", host: "", path: "", rawQuery: "", forceQuery: false, fragment: frag };
  if (body === "") return u;
  const [scheme, afterScheme] = splitScheme(body);
  u.scheme = scheme.toLowerCase();
  let rest = afterScheme;
  if (rest.endsWith("?") && rest.split("?").length === 2) {
    u.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf("?");
    if (q >= 0) {
      u.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith("/")) {
    if (u.scheme !== "") {
      u.opaque = rest;
      return u;
    }
    const slash = rest.indexOf("/");
    if ((slash < 0 ? rest : rest.slice(0, slash)).includes(":")) throw new FuncError("unable to parse url: first path segment in URL cannot contain colon");
  }
  if ((u.scheme !== "" || !rest.startsWith("///")) && rest.startsWith("//")) {
    const auth = rest.slice(2);
    const slash = auth.indexOf("/");
    Object.assign(u, parseAuthority(slash < 0 ? auth : auth.slice(0, slash)));
    rest = slash < 0 ? "" : auth.slice(slash);
  }
  u.path = unescape(rest, "path");
  return u;
}

function hostname(host: string): string {
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end < 0 ? host.slice(1) : host.slice(1, end);
  }
  const colon = host.lastIndexOf(":");
  return colon >= 0 && /^:\d*$/.test(host.slice(colon)) ? host.slice(0, colon) : host;
}

function userString(u: NonNullable<Url["user"]>): string {
  return escape(u.name, "user") + (u.pass === undefined ? "" : ":" + escape(u.pass, "user"));
}

export function formatUrl(u: Url): string {
  let out = u.scheme === "" ? "" : u.scheme + ":";
  if (u.opaque !== "") out += u.opaque;
  else {
    if (u.scheme !== "" || u.host !== "" || u.user !== undefined) {
      if (u.host !== "" || u.path !== "" || u.user !== undefined) out += "//";
      if (u.user !== undefined) out += userString(u.user) + "@";
      if (u.host !== "") out += escape(u.host, "host");
    }
    const path = u.path === "*" ? "*" : escape(u.path, "path");
    if (path !== "" && !path.startsWith("/") && u.host !== "") out += "/";
    if (out === "" && (path.split("/")[0] ?? "").includes(":")) out += "./";
    out += path;
  }
  if (u.forceQuery || u.rawQuery !== "") out += "?" + u.rawQuery;
  if (u.fragment !== "") out += "#" + escape(u.fragment, "fragment");
  return out;
}

/** sprig's urlParse: the URL's parts as a dict. */
export function urlParse(raw: string): GoMap {
  const u = parseUrl(raw);
  return map(new Map<string, Value>([
    ["scheme", u.scheme],
    ["host", u.host],
    ["hostname", hostname(u.host)],
    ["path", u.path],
    ["query", u.rawQuery],
    ["opaque", u.opaque],
    ["fragment", u.fragment],
    ["userinfo", u.user === undefined ? "" : userString(u.user)],
  ]));
}

/** sprig's urlJoin: a URL string from urlParse's dict shape; a non-string entry is an error. */
export function urlJoin(d: GoMap): string {
  const get = (k: string): string => {
    if (!d.m.has(k)) return "";
    const v = d.m.get(k);
    if (typeof v !== "string") throw new FuncError(`unable to parse ${k} key, must be of type string`);
    return v;
  };
  const u: Url = { scheme: get("scheme"), opaque: get("opaque"), host: get("host"), path: get("path"), rawQuery: get("query"), forceQuery: false, fragment: get("fragment") };
  const info = get("userinfo");
  if (info !== "") {
    const parsed = parseUrl(`proto://${info}@host`);
    if (parsed.user !== undefined) u.user = parsed.user;
  }
  return formatUrl(u);
}
