import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
/**
 * The differential corpus: (template, data) pairs rendered by kseal and by Go's text/template +
 * sprig (the oracle), which must agree byte for byte, or both fail. Each case says why it is here.
 * Non-deterministic functions (now, uuidv4, rand*) are compared by shape instead.
 */
export interface Case {
  readonly name: string;
  readonly template: string;
  readonly data?: Record<string, string>;
  readonly dataB64?: Record<string, string>;
  readonly funcs?: "eso" | "sealed-secrets";
  readonly missingKey?: "error" | "default" | "zero";
  /** Secrets behind getSecretKey, keyed `namespace/name`. */
  readonly secrets?: Record<string, Record<string, string>>;
  /** When set, both outputs must match this pattern instead of each other. */
  readonly shape?: RegExp;
  readonly reason: string;
}

const FIX = (f: string): string => readFileSync(join(import.meta.dirname, "fixtures", f), "latin1");
const p12 = (f: string): string => FIX(f).replace(/\s/g, "");

const D = { user: "admin", pass: "s3cr3t!", host: "db.example.com", port: "5432", empty: "", json: '{"a":1,"b":[true,null,"x"],"c":{"d":2.5}}', multi: "line1\nline2\nline3", unicode: "héllo wörld ✓", spaced: "  padded\t\n", "dash-key": "dashed", csv: "a,b,,c", num: "42", float: "3.75", neg: "-7", b64: "aGVsbG8gd29ybGQ=", yes: "true" };

const cases: Case[] = [];
const add = (name: string, template: string, reason: string, extra: Partial<Case> = {}): void => {
  cases.push({ name, template, data: D, reason, ...extra });
};

// ---- text, actions, trimming, comments ----
const basics: [string, string, string][] = [
  ["plain text", "hello world", "text passes through unchanged"],
  ["empty template", "", "empty source renders empty"],
  ["field", "{{ .user }}", "map field access on the data"],
  ["field no spaces", "{{.user}}", "actions need no spaces"],
  ["dash key via index", '{{ index . "dash-key" }}', "keys with dashes need index, as ESO docs say"],
  ["dollar root", "{{ $.user }}", "$ is the root data"],
  ["dot prints map", "{{ . }}", "the whole data prints as map[...] in sorted key order"],
  ["trim left", "a   {{- .user }}", "{{- trims preceding spaces"],
  ["trim right", "{{ .user -}}   \n  b", "-}} trims following whitespace incl. newlines"],
  ["trim both", "x \n {{- .user -}} \n y", "both trim markers"],
  ["minus number not trim", "{{-3}}", "{{-3 is the number -3, not a trim marker"],
  ["comment", "a{{/* hidden */}}b", "comments render nothing"],
  ["comment trimmed", "a  {{- /* c */ -}}  b", "comments with trim markers"],
  ["multiline comment", "a{{/* line1\nline2 */}}b", "comments span lines"],
  ["newline inside action", "{{ .user\n }}", "actions may contain newlines"],
  ["string literal", '{{ "lit" }}', "interpreted string literal"],
  ["escapes in string", '{{ "a\\tb\\n\\u00e9\\x41\\101" }}', "Go string escapes"],
  ["raw string", "{{ `raw\\n` }}", "raw strings keep backslashes"],
  ["char constant", "{{ 'a' }}", "character constants are ints"],
  ["int literal", "{{ 42 }}", "int literal prints"],
  ["negative int", "{{ -42 }}", "negative literal"],
  ["hex int", "{{ 0x1F }}", "hex literal"],
  ["octal int", "{{ 017 }}", "leading-zero octal literal"],
  ["binary int", "{{ 0b101 }}", "binary literal"],
  ["float literal", "{{ 3.5 }}", "float literal"],
  ["float integral", "{{ 2.0 }}", "integral float prints without decimals"],
  ["float exp", "{{ 1e6 }}", "%v switches to exponent at 1e+06"],
  ["float small", "{{ 0.0001 }}", "small float in plain form"],
  ["float smaller", "{{ 0.00001 }}", "below 1e-4 uses exponent"],
  ["big float", "{{ 123456.789 }}", "shortest float digits"],
  ["bool literals", "{{ true }} {{ false }}", "bool literals"],
  ["nil command", "{{ nil }}", "nil is not a command: error"],
  ["missing key eso", "{{ .nope }}", "ESO uses missingkey=error"],
  ["missing key ss", "{{ .nope }}", "Sealed Secrets prints <no value>", ],
  ["missing nested", "{{ .nope.deeper }}", "chain through a missing key"],
  ["field on string", "{{ .user.name }}", "a string has no fields: error"],
  ["unclosed action", "{{ .user ", "parse error: unclosed action"],
  ["unclosed comment", "{{/* x ", "parse error: unclosed comment"],
  ["undefined function", "{{ nosuchfunc 1 }}", "parse error: undefined function"],
  ["undefined variable", "{{ $nope }}", "parse error: undefined variable"],
  ["empty action", "{{ }}", "parse error: missing value"],
  ["unexpected end", "{{ end }}", "parse error: stray end"],
  ["unexpected else", "{{ else }}", "parse error: stray else"],
  ["bad number", "{{ 12abc }}", "parse error: bad number"],
  ["arg to non-function", '{{ "a" "b" }}', "exec error: arguments to a constant"],
  ["pipe into constant", '{{ .user | "x" }}', "parse error: non executable stage"],
  ["env removed", '{{ env "HOME" }}', "env is removed: parse error"],
  ["expandenv removed", '{{ expandenv "$HOME" }}', "expandenv is removed"],
  ["getHostByName removed", '{{ getHostByName "localhost" }}', "no network access"],
];
for (const [n, t, r] of basics) add(n, t, r, n === "missing key ss" ? { funcs: "sealed-secrets" } : {});

// ---- variables and control structures ----
const control: [string, string, string][] = [
  ["declare var", "{{ $x := .user }}{{ $x }}", "variable declaration"],
  ["assign var", "{{ $x := 1 }}{{ $x = 2 }}{{ $x }}", "variable assignment"],
  ["var scope in if", "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}", "assignment reaches outer variable"],
  ["var in with", "{{ with $x := .user }}{{ $x }}-{{ . }}{{ end }}", "with declares and sets dot"],
  ["if true", "{{ if .user }}yes{{ end }}", "non-empty string is true"],
  ["if empty string", "{{ if .empty }}yes{{ else }}no{{ end }}", "empty string is false"],
  ["if else if", '{{ if eq .port "1" }}a{{ else if eq .port "5432" }}b{{ else }}c{{ end }}', "else if chain"],
  ["if zero int", "{{ if 0 }}t{{ else }}f{{ end }}", "zero is false"],
  ["if empty list", "{{ if list }}t{{ else }}f{{ end }}", "empty list is false"],
  ["if missing key ss", "{{ if .nope }}t{{ else }}f{{ end }}", "missing key is false"],
  ["with else", "{{ with .empty }}x{{ else }}none{{ end }}", "with else on empty"],
  ["with else with", "{{ with .empty }}a{{ else with .user }}b{{ . }}{{ end }}", "else with chain"],
  ["range list", "{{ range list 1 2 3 }}[{{ . }}]{{ end }}", "range over a list"],
  ["range index value", '{{ range $i, $v := list "a" "b" }}{{ $i }}:{{ $v }} {{ end }}', "index and value"],
  ["range single var", '{{ range $v := list "a" "b" }}{{ $v }}{{ end }}', "single variable gets the element"],
  ["range map sorted", '{{ range $k, $v := dict "b" 2 "a" 1 "c" 3 }}{{ $k }}={{ $v }};{{ end }}', "maps range in sorted key order"],
  ["range data", "{{ range $k, $v := . }}{{ $k }},{{ end }}", "range over the data map"],
  ["range empty else", "{{ range list }}x{{ else }}empty{{ end }}", "range else on empty"],
  ["range break", "{{ range list 1 2 3 4 }}{{ if eq . 3 }}{{ break }}{{ end }}{{ . }}{{ end }}", "break leaves the loop"],
  ["range continue", "{{ range list 1 2 3 4 }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ . }}{{ end }}", "continue skips"],
  ["range int", "{{ range 3 }}{{ . }}{{ end }}", "range over an int (Go 1.22+)"],
  ["range int two vars", "{{ range $i, $v := 3 }}{{ $i }}{{ end }}", "two vars over int is an error"],
  ["range string", '{{ range "abc" }}{{ . }}{{ end }}', "strings are not rangeable"],
  ["range nested", '{{ range $a := list 1 2 }}{{ range $b := list "x" "y" }}{{ $a }}{{ $b }} {{ end }}{{ end }}', "nested ranges"],
  ["range dollar", '{{ range list 1 2 }}{{ $.user }}{{ end }}', "$ inside range is the root"],
  ["break outside range", "{{ break }}", "parse error outside range"],
  ["range splitList", '{{ range splitList "," .csv }}<{{ . }}>{{ end }}', "range over []string"],
  ["define template", '{{ define "t" }}T({{ . }}){{ end }}{{ template "t" .user }}', "define and template"],
  ["template no data", '{{ define "t" }}[{{ . }}]{{ end }}{{ template "t" }}', "template without a pipeline has no dot"],
  ["block", '{{ block "b" .port }}B{{ . }}{{ end }}', "block defines and runs"],
  ["template undefined", '{{ template "nope" }}', "exec error: undefined template"],
  ["template recursion", '{{ define "r" }}{{ if . }}{{ len . }}{{ template "r" (rest .) }}{{ end }}{{ end }}{{ template "r" (list 1 2 3) }}', "recursive template"],
  ["template no outer vars", '{{ define "t" }}{{ $x }}{{ end }}{{ $x := 1 }}{{ template "t" }}', "templates see no caller variables: parse error"],
  ["parenthesized", "{{ (upper .user) }}", "parenthesized pipeline"],
  ["pipe chain", "{{ .user | upper | printf \"%s!\" }}", "pipelines pass the last argument"],
  ["chain field", '{{ (dict "a" (dict "b" "deep")).a.b }}', "field access on a parenthesized value"],
  ["var field chain", '{{ $d := dict "a" (dict "b" 1) }}{{ $d.a.b }}', "variable with field chain"],
  ["and or", "{{ and 1 0 }} {{ or 0 \"\" \"x\" }} {{ and 1 2 }} {{ or 0 false }}", "and/or return operands"],
  ["and short circuit", "{{ and false (fail \"boom\") }}", "and stops at the first false"],
  ["or short circuit", "{{ or true (fail \"boom\") }}", "or stops at the first true"],
  ["not", "{{ not .empty }} {{ not 1 }}", "not"],
  ["len", '{{ len .user }} {{ len (list 1 2) }} {{ len (dict "a" 1) }} {{ len . }}', "len of string, list, map"],
  ["len unicode", "{{ len .unicode }}", "len counts bytes"],
  ["len int", "{{ len 3 }}", "len of an int is an error"],
  ["index list", "{{ index (list 1 2 3) 1 }}", "index a list"],
  ["index nested", '{{ index (list (list 1 2) (list 3 4)) 1 0 }}', "nested index"],
  ["index string", "{{ index .user 0 }}", "index a string gives a byte"],
  ["index out of range", "{{ index (list 1) 5 }}", "out of range is an error"],
  ["index map missing", '{{ index . "nope" }}', "index on a missing key gives the zero value"],
  ["index dict missing", '{{ index (dict) "nope" }}', "missing key of map[string]interface{} is nil"],
  ["index nil", "{{ index nil 1 }}", "index of nil is an error"],
  ["eq strings", '{{ eq .user "admin" }} {{ eq .user "x" "admin" }}', "eq with several operands"],
  ["eq mixed ints", "{{ eq 1 (add 0 1) }}", "int and int64 compare"],
  ["eq incompatible", '{{ eq 1 "1" }}', "comparing int and string fails"],
  ["ne", '{{ ne .user "x" }}', "ne"],
  ["lt le gt ge", "{{ lt 1 2 }} {{ le 2 2 }} {{ gt 1 2 }} {{ ge 3 2 }}", "ordering"],
  ["lt strings", '{{ lt "a" "b" }}', "string ordering"],
  ["lt floats", "{{ lt 1.5 2.5 }}", "float ordering"],
  ["lt bool", "{{ lt true false }}", "bools have no order"],
  ["eq list", "{{ eq (list 1) (list 1) }}", "lists are not comparable"],
  ["eq missing", '{{ eq .nope "x" }}', "eq with a missing value", ],
  ["print", '{{ print "a" 1 2 "b" 3.5 nil }}', "Sprint spacing rules"],
  ["println", '{{ println "a" 1 }}', "Sprintln"],
  ["html", '{{ html "<a href=\\"x\\">&\'</a>" }}', "html escaping"],
  ["js", '{{ js "it\'s <b>\\"x\\"</b> & =\\n" }}', "js escaping"],
  ["urlquery", '{{ urlquery "a b&c=d/é" }}', "query escaping"],
  ["call rejected", "{{ call .user }}", "call has no function to call"],
  ["printf missing", '{{ printf "%s %s" "a" }}', "missing operand"],
  ["printf extra", '{{ printf "%s" "a" "b" }}', "extra operand"],
  ["printf bad verb", '{{ printf "%d" "a" }}', "wrong verb for type"],
  ["printf percent", '{{ printf "100%%" }}', "literal percent"],
  ["printf nil", '{{ printf "%v %s" nil nil }}', "nil operands"],
  ["printf star", '{{ printf "%*d|%-*d|%.*f" 5 1 4 2 2 3.14159 }}', "star width and precision"],
  ["wrong arg count", "{{ upper }}", "too few args"],
  ["wrong arg count 2", '{{ upper "a" "b" }}', "too many args"],
  ["wrong arg type literal", "{{ upper 3 }}", "number literal where a string is due"],
  ["wrong arg type value", "{{ upper (len .user) }}", "int value where a string is due"],
  ["int64 where int due", '{{ repeat (add 1 1) "x" }}', "add returns int64, repeat wants int"],
  ["float literal to int param", '{{ repeat 2.0 "x" }}', "an integral float literal is accepted as int"],
  ["nil to string param", "{{ upper nil }}", "cannot assign nil to string"],
  ["missing to string param ss", "{{ upper .nope }}", "invalid value to a string param"],
  ["missing to any param ss", '{{ default "d" .nope }}', "invalid value becomes nil for interface{}"],
  ["hasKey on data", '{{ hasKey . "user" }}', "the data is map[string]string, hasKey wants map[string]interface{}"],
];
for (const [n, t, r] of control) add(n, t, r, n.endsWith("ss") || n === "eq missing" || n === "if missing key ss" ? { funcs: "sealed-secrets" } : {});

// ---- missingkey options ----
for (const mk of ["error", "default", "zero"] as const) {
  add(`missingkey=${mk} field`, "[{{ .nope }}]", `missingkey=${mk} on map[string]string`, { missingKey: mk });
  add(`missingkey=${mk} dict`, "[{{ (dict).nope }}]", `missingkey=${mk} on map[string]interface{}`, { missingKey: mk });
  add(`missingkey=${mk} default func`, '{{ .nope | default "d" }}', `default with missingkey=${mk}`, { missingKey: mk });
}

// ---- printf verbs × values ----
const verbs = ["%v", "%+v", "%#v", "%s", "%d", "%q", "%x", "%X", "%t", "%f", "%.2f", "%8.3f", "%-10s|", "%10s|", "%5d", "%-5d|", "%05d", "%e", "%E", "%g", "%G", "%.3g", "%+d", "% d", "%o", "%O", "%b", "%c", "%U", "%T", "%#x", "%.1s", "%6.2v"];
const values = ["42", "-7", "0", "3.14159", "-0.5", "1e21", "0.000001234", "2.5", '"abc"', '"héllo"', '"a\\"b"', "true", "nil", "(list 1 2)", '(list "a" "b")', '(dict "k" 1 "j" "v")', "'x'", "100000000.0"];
for (const v of verbs) for (const val of values) add(`printf ${v} ${val}`, `{{ printf "${v.replace(/"/g, '\\"')}" ${val} }}`, `fmt verb ${v} on ${val}`);

// ---- sprig functions ----
const fn: [string, string[], string][] = [
  ["upper", ['"abc"', ".unicode", '""'], "strings.ToUpper"],
  ["lower", ['"ABC"', '"ÀÉÎ"'], "strings.ToLower"],
  ["title", ['"hello world"', '"hello-world foo_bar o\'neil"', ".unicode"], "strings.Title word boundaries"],
  ["untitle", ['"Hello World"'], "untitle"],
  ["trim", ['"  a b  "', ".spaced", '"\\u00a0x\\u00a0"'], "strings.TrimSpace incl. unicode space"],
  ["trimAll", ['"$" "$$5$"', '"ab" "abcba"'], "strings.Trim with a cutset"],
  ["trimSuffix", ['"-" "a-"', '"x" "a"'], "strings.TrimSuffix"],
  ["trimPrefix", ['"-" "-a"', '"x" "a"'], "strings.TrimPrefix"],
  ["nospace", ['"a b\\tc\\nd"', ".unicode"], "removes unicode spaces"],
  ["contains", ['"dm" .user', '"x" .user'], "strings.Contains"],
  ["hasPrefix", ['"ad" .user', '"x" .user'], "strings.HasPrefix"],
  ["hasSuffix", ['"in" .user', '"x" .user'], "strings.HasSuffix"],
  ["replace", ['"a" "b" "banana"', '"" "-" "abc"', '"na" "" "banana"'], "strings.Replace all"],
  ["repeat", ['3 "ab"', '0 "x"', '-1 "x"'], "strings.Repeat; negative count errors"],
  ["substr", ['1 3 "hello"', '-1 3 "hello"', '2 -1 "hello"', '2 99 "hello"', '3 1 "hello"', '0 2 .unicode'], "byte-based substr"],
  ["trunc", ['3 "hello"', '-2 "hello"', '10 "hi"', '-10 "hi"'], "trunc from either end"],
  ["abbrev", ['5 "hello world"', '20 "short"'], "abbrev"],
  ["initials", ['"hello big world"'], "initials"],
  ["swapcase", ['"Hello World"'], "swapcase"],
  ["indent", ['4 "a\\nb"', '0 "x"', "2 .multi"], "indent every line"],
  ["nindent", ['2 "a\\nb"', "4 .multi"], "newline then indent"],
  ["quote", ['"a"', '"a" "b"', "1 nil true", '"q\\"\\n"', ".unicode"], "fmt %q of each"],
  ["squote", ['"a"', '"a" 2'], "single quotes"],
  ["cat", ['"a" "b" 1', '"a" nil "c"'], "cat skips nil"],
  ["wrap", ['5 "the quick brown fox"', '10 "a verylongwordthatdoesnotfit here"'], "word wrap"],
  ["wrapWith", ['5 "<br>" "the quick brown fox"'], "wrap with a separator"],
  ["plural", ['"one" "many" 1', '"one" "many" 2'], "plural"],
  ["split", ['"," .csv', '"" "abc"'], "split returns map with _N keys"],
  ["splitn", ['"," 2 .csv'], "splitn"],
  ["splitList", ['"," .csv', '"," ""', '"" "ab"'], "splitList"],
  ["join", ['"-" (list "a" 1 nil "b")', '"," (splitList "," .csv)', '"," "single"', '"," nil'], "join with strslice"],
  ["sortAlpha", ['(list "b" "a" "C" 10 2)', '"x"'], "sortAlpha"],
  ["toStrings", ["(list 1 2.5 true nil)"], "toStrings"],
  ["toString", ["42", "3.5", "nil", "(list 1)", "true"], "toString uses %v"],
  ["snakecase", ['"HelloWorld"'], "snakecase"],
  ["kebabcase", ['"HelloWorld"'], "kebabcase"],
  ["b64enc", [".user", ".unicode", '""'], "base64 encode"],
  ["b64dec", [".b64", '"!!!"', '"aGVsbG8"'], "base64 decode; errors become text"],
  ["b32enc", [".user", '"f"', '"fo"', '"foobar"'], "base32 encode"],
  ["b32dec", ['"MFSG22LO"', '"MY======"'], "base32 decode"],
  ["sha1sum", [".pass", '""'], "sha1 hex"],
  ["sha256sum", [".pass", ".unicode"], "sha256 hex"],
  ["sha512sum", [".pass"], "sha512 hex"],
  ["adler32sum", [".pass", '""'], "adler32 decimal"],
  ["toJson", ['(dict "a" 1 "b" (list "x" 2.5 nil true) "c" "<&>")', ".", '"s"', "nil", "1e21", "(list)", "0.0000001"], "encoding/json with HTML escaping"],
  ["toPrettyJson", ['(dict "a" 1 "b" (list "x" (dict)) "c" (dict "d" (list)))', "(list 1 2)"], "MarshalIndent"],
  ["toRawJson", ['(dict "a" "<&>")'], "no HTML escaping"],
  ["fromJson", [".json", '"[1,2]"', '"not json"', '"\\"s\\""'], "fromJson gives interface{} values"],
  ["default", ['"d" .empty', '"d" .user', '"d" 0', '"d" (list)', '"d"', '"d" nil', '"d" false'], "default on empty values"],
  ["empty", [".empty", ".user", "0", "(list)", "(dict)", "nil", "false", "0.0"], "empty"],
  ["coalesce", ['.empty "" .user', '0 nil', '""'], "first non-empty"],
  ["all", ['1 "a" true', '1 ""'], "all non-empty"],
  ["any", ['0 "" "x"', '0 ""'], "any non-empty"],
  ["ternary", ['"y" "n" true', '"y" "n" false'], "ternary"],
  ["fail", ['"stop"'], "fail errors"],
  ["typeOf", ["1", '"s"', "(list)", "(dict)", "1.5", "(add 1 1)", '(splitList "," "a")', "nil"], "typeOf"],
  ["kindOf", ["1", '"s"', "(list)", "(dict)", "nil"], "kindOf"],
  ["kindIs", ['"string" "s"', '"int" "s"'], "kindIs"],
  ["typeIs", ['"int64" (add 1 1)'], "typeIs"],
  ["deepEqual", ['(list 1 2) (list 1 2)', '(list 1) (list "1")', '(dict "a" 1) (dict "a" 1)'], "deepEqual"],
  ["add", ["1 2 3", '"4" 1', "1.9 1", "", "true 1"], "add with cast.ToInt64"],
  ["add1", ["41", '"x"'], "add1"],
  ["sub", ["5 3", "3 5"], "sub"],
  ["mul", ["2 3 4", '"3" 2'], "mul"],
  ["div", ["7 2", "-7 2", "1 0"], "integer division; by zero errors"],
  ["mod", ["7 3", "-7 3", "1 0"], "mod"],
  ["max", ["1 5 3", '"9" 2'], "max"],
  ["min", ["4 2 8"], "min"],
  ["maxf", ["1.5 2.5"], "maxf"],
  ["minf", ["1.5 2.5 -1"], "minf"],
  ["floor", ["1.7", '"2.5"', "-1.5"], "floor"],
  ["ceil", ["1.2", "-1.2"], "ceil"],
  ["round", ["3.14159 2", "2.5 0", "-2.5 0", "1.005 2", "1.5 0 0.6"], "sprig round"],
  ["atoi", ['"42"', '"x"', '"-3"', '"3.0"'], "strconv.Atoi, errors give 0"],
  ["int", ['"42"', "3.9", '"0x10"', '"010"', '"3.0"', "true", "nil"], "cast.ToInt"],
  ["int64", ['"42"', "3.9"], "cast.ToInt64"],
  ["float64", ['"3.5"', "2", '"x"'], "cast.ToFloat64"],
  ["seq", ["5", "2 5", "5 2", "1 2 9", "0", "-3"], "seq"],
  ["until", ["5", "0", "-3"], "until"],
  ["untilStep", ["0 10 3", "10 0 -4", "0 10 0"], "untilStep"],
  ["list", ['1 "a" nil', ""], "list"],
  ["first", ["(list 1 2)", "(list)", '"x"'], "first"],
  ["last", ["(list 1 2)", "(list)"], "last"],
  ["rest", ["(list 1 2 3)", "(list)"], "rest"],
  ["initial", ["(list 1 2 3)"], "initial"],
  ["reverse", ["(list 1 2 3)"], "reverse"],
  ["append", ["(list 1) 2", '(splitList "," "a,b") "c"', '"x" 1'], "append"],
  ["prepend", ["(list 1) 0"], "prepend"],
  ["uniq", ['(list 1 1 "a" "a" 2)'], "uniq"],
  ["without", ["(list 1 2 3 2) 2"], "without"],
  ["has", ["2 (list 1 2)", '"2" (list 1 2)', "1 nil"], "has"],
  ["compact", ['(list 1 "" 0 nil "a")'], "compact"],
  ["concat", ["(list 1) (list 2 3)"], "concat"],
  ["slice", ["(list 1 2 3 4) 1 3", "(list 1 2 3) 1", '"abc" 1'], "sprig slice (not the builtin)"],
  ["chunk", ["2 (list 1 2 3 4 5)"], "chunk"],
  ["dict", ['"a" 1 "b"', '1 2'], "dict; odd arg gets empty string"],
  ["get", ['(dict "a" 1) "a"', '(dict) "x"'], "get"],
  ["set", ['(dict "a" 1) "b" 2'], "set returns the dict"],
  ["unset", ['(dict "a" 1 "b" 2) "a"'], "unset"],
  ["hasKey", ['(dict "a" 1) "a"', '(dict) "a"'], "hasKey"],
  ["keys", ['(dict "b" 1 "a" 2) | sortAlpha'], "keys (sorted for determinism)"],
  ["pluck", ['"a" (dict "a" 1) (dict "b" 2) (dict "a" 3)'], "pluck"],
  ["pick", ['(dict "a" 1 "b" 2 "c" 3) "a" "c"'], "pick"],
  ["omit", ['(dict "a" 1 "b" 2 "c" 3) "a"'], "omit"],
  ["merge", ['(dict "a" 1 "n" (dict "x" 1)) (dict "a" 2 "b" 3 "n" (dict "y" 2))'], "merge keeps dst values"],
  ["mergeOverwrite", ['(dict "a" 1 "n" (dict "x" 1)) (dict "a" 2 "b" 3 "n" (dict "x" 5))'], "mergeOverwrite"],
  ["dig", ['"a" "b" "def" (dict "a" (dict "b" 1))', '"a" "z" "def" (dict "a" (dict "b" 1))'], "dig"],
  ["regexMatch", ['"^[a-z]+$" .user', '"^\\\\d+$" .port', '"(" "x"', '"(?i)ADMIN" .user', '"[[:digit:]]+" .port'], "regexMatch; bad regex is false"],
  ["mustRegexMatch", ['"(" "x"'], "mustRegexMatch errors on bad regex"],
  ["regexFind", ['"[0-9]+" "abc123def456"', '"x" "abc"'], "regexFind"],
  ["regexFindAll", ['"[0-9]" "a1b2c3" -1', '"[0-9]" "a1b2c3" 2', '"a*" "baaab" -1', '"" "abc" -1'], "regexFindAll incl. empty matches"],
  ["regexReplaceAll", ['"a(x*)b" "-ab-axxb-" "${1}W"', '"a(x*)b" "-ab-axxb-" "$1W"', '"(?P<first>\\\\w+) (?P<last>\\\\w+)" "John Smith" "$last, $first"', '"a*" "baaac" "X"', '"\\\\s+" .spaced "_"'], "Go Expand syntax"],
  ["regexReplaceAllLiteral", ['"a(x*)b" "-ab-axxb-" "${1}"'], "literal replacement"],
  ["regexSplit", ['"z+" "pizza" -1', '"z+" "pizza" 1', '"" "abc" -1', '"," "a,b,c" 2'], "regexSplit"],
  ["regexQuoteMeta", ['"1.5+2*[x]"'], "QuoteMeta"],
  ["date", ['"2006-01-02 15:04:05" 0', '"Jan 2, 2006 at 3:04pm (MST)" 1700000000', '"Mon Monday 06 002 .000" 1700000000'], "date formats unix seconds"],
  ["dateInZone", ['"2006-01-02 15:04 MST -07:00" 1700000000 "UTC"', '"2006-01-02 15:04 -0700" 1700000000 "Asia/Kolkata"', '"15:04 -07:00" 1700000000 "America/New_York"'], "dateInZone"],
  ["htmlDate", ["1700000000"], "htmlDate"],
  ["toDate", ['"2006-01-02" "2024-02-29"', '"2006-01-02T15:04:05Z07:00" "2024-01-15T10:30:00+02:00"', '"2006-01-02" "garbage"'], "toDate; bad input gives the zero time"],
  ["unixEpoch", ['(toDate "2006-01-02" "2024-02-29")'], "unixEpoch"],
  ["base", ['"/a/b/c.txt"', '"a/"', '""'], "path.Base"],
  ["dir", ['"/a/b/c.txt"', '"c"'], "path.Dir"],
  ["ext", ['"a/b.tar.gz"', '"a"'], "path.Ext"],
  ["clean", ['"a//b/../c/."', '"/../x"'], "path.Clean"],
  ["isAbs", ['"/a"', '"a"'], "path.IsAbs"],
  ["hello", [""], "hello"],
];
for (const [name, argsets, reason] of fn) {
  for (const a of argsets) {
    const t = a.includes("|") ? `{{ ${name} ${a} }}` : `{{ ${name}${a === "" ? "" : " " + a} }}`;
    add(`${name} ${a}`, t, reason);
    // The same call, printed with %v and through a pipeline, exercises value printing and last-arg passing.
  }
}
for (const [name, argsets] of fn) {
  const a = argsets[0];
  if (a === undefined || a === "" || a.includes("|")) continue;
  const parts = a.match(/\([^)]*\)|"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
  const last = parts.pop();
  if (last === undefined) continue;
  add(`${name} piped`, `{{ ${last} | ${name}${parts.length > 0 ? " " + parts.join(" ") : ""} | printf "%v" }}`, "the piped value is the last argument");
}

// ---- realistic ESO templates ----
add("eso dsn", "postgres://{{ .user }}:{{ .pass | urlquery }}@{{ .host }}:{{ .port }}/app?sslmode=require", "a typical connection string");
add("eso config file", "[db]\nuser = {{ .user | quote }}\npassword = {{ .pass | quote }}\n{{- range $k, $v := . }}\n{{ $k }}={{ $v | b64enc }}{{ end }}\n", "config file with range over all keys");
add("eso json doc", '{{ dict "auths" (dict .host (dict "username" .user "password" .pass "auth" (printf "%s:%s" .user .pass | b64enc))) | toJson }}', "dockerconfigjson");
add("eso fromJson field", "{{ (.json | fromJson).c.d }}", "fields of parsed JSON");
add("eso fromJson range", "{{ range (.json | fromJson).b }}[{{ . }}]{{ end }}", "range over parsed JSON, nil prints <no value>");
add("eso multiline indent", "key: |\n{{ .multi | indent 2 }}", "block scalar via indent");
add("binary passthrough", "{{ .bin }}", "binary data passes byte for byte", { dataB64: { bin: "AP/+gIGCw8TF" } });
add("binary b64enc", "{{ .bin | b64enc }}", "binary to base64", { dataB64: { bin: "AP/+gIGCw8TF" } });
add("binary len", "{{ len .bin }}", "binary length in bytes", { dataB64: { bin: "AP/+gIGCw8TF" } });
add("b64dec binary", '{{ b64dec "AP/+gA==" }}', "decoded bytes are not UTF-8");
add("invalid utf8 quote", "{{ .bin | quote }}", "%q escapes invalid UTF-8", { dataB64: { bin: "AP/+gIGCw8TF" } });
add("invalid utf8 upper", "{{ .bin | upper }}", "case mapping over invalid UTF-8", { dataB64: { bin: "YWL/Yw==" } });

// ---- non-deterministic functions, by shape ----
add("now shape", '{{ now | date "2006" }}', "now formats", { shape: /^20\d\d$/ });
add("uuidv4 shape", "{{ uuidv4 }}", "uuid v4", { shape: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/ });
add("randAlphaNum shape", "{{ randAlphaNum 16 }}", "random alnum", { shape: /^[A-Za-z0-9]{16}$/ });
add("randAlpha shape", "{{ randAlpha 8 }}", "random letters", { shape: /^[A-Za-z]{8}$/ });
add("randNumeric shape", "{{ randNumeric 6 }}", "random digits", { shape: /^[0-9]{6}$/ });
add("randInt shape", "{{ randInt 5 10 }}", "random int in range", { shape: /^[5-9]$/ });
add("now unixEpoch shape", "{{ now | unixEpoch }}", "epoch seconds", { shape: /^1[7-9]\d{8}$/ });

// ---- the rest of sprig v3.3.0 (float math, durations, URLs, semver, must*, crypto) ----
const more: [string, string, string][] = [
  ["mustAppend", '{{ mustAppend (list 1 2) 3 }}', "mustAppend appends"],
  ["mustAppend bad", '{{ mustAppend "x" 3 }}', "mustAppend on a non-list fails"],
  ["mustPush", '{{ mustPush (list "a") "b" }}', "mustPush"],
  ["mustPrepend", '{{ mustPrepend (list 1 2) 0 }}', "mustPrepend"],
  ["mustRest", '{{ mustRest (list 1 2 3) }}', "mustRest"],
  ["mustInitial", '{{ mustInitial (list 1 2 3) }}', "mustInitial"],
  ["mustReverse", '{{ mustReverse (list 1 2 3) }}', "mustReverse"],
  ["mustUniq", '{{ mustUniq (list 1 1 2 "a" "a") }}', "mustUniq"],
  ["mustWithout", '{{ mustWithout (list 1 2 3 2) 2 }}', "mustWithout"],
  ["mustHas", '{{ mustHas 2 (list 1 2) }} {{ mustHas 5 (list 1 2) }}', "mustHas"],
  ["mustSlice", '{{ mustSlice (list 1 2 3 4) 1 3 }}', "mustSlice"],
  ["mustSlice bad", '{{ mustSlice (list 1 2) 3 }}', "mustSlice out of range fails"],
  ["mustChunk", '{{ mustChunk 2 (list 1 2 3 4 5) }}', "mustChunk"],
  ["mustCompact", '{{ mustCompact (list 0 1 "" "a" nil) }}', "mustCompact"],
  ["mustMerge", '{{ mustMerge (dict "a" 1) (dict "a" 2 "b" 3) | toJson }}', "mustMerge keeps dst values"],
  ["mustMergeOverwrite", '{{ mustMergeOverwrite (dict "a" 1) (dict "a" 2 "b" 3) | toJson }}', "mustMergeOverwrite"],
  ["mustFirst", '{{ mustFirst (list 7 8) }}', "mustFirst"],
  ["mustLast", '{{ mustLast (list 7 8) }}', "mustLast"],
  ["mustToJson", '{{ mustToJson (dict "k" .user) }}', "mustToJson"],
  ["mustRegexMatch", '{{ mustRegexMatch "^a" .user }}', "mustRegexMatch"],
  ["osBase", '{{ osBase "/a/b/c.txt" }}', "filepath.Base on Linux"],
  ["osClean", '{{ osClean "a//b/../c" }}', "filepath.Clean"],
  ["osDir", '{{ osDir "/a/b/c" }}', "filepath.Dir"],
  ["osExt", '{{ osExt "x.tar.gz" }}', "filepath.Ext"],
  ["osIsAbs", '{{ osIsAbs "/x" }} {{ osIsAbs "x" }}', "filepath.IsAbs"],
  ["abbrevboth", '{{ abbrevboth 5 10 "1234 5678 9123" }}', "abbreviate both sides"],
  ["abbrevboth short", '{{ abbrevboth 0 10 "1234 5678 9123" }}', "offset 0 abbreviates the right"],
  ["abbrevboth guard", '{{ abbrevboth 5 5 "1234 5678 9123" }}', "too narrow with offset returns input"],
  ["abbrevboth tail", '{{ abbrevboth 12 10 "abcdefghijklmnopqrstuvwxyz" }}', "middle window"],
  ["typeIsLike", '{{ typeIsLike "string" .user }} {{ typeIsLike "int" .user }}', "typeIsLike"],
  ["camelcase", '{{ camelcase "http_server" }} {{ camelcase "foo-bar baz" }} {{ camelcase "_a_b" }} {{ camelcase "x" }}', "xstrings.ToPascalCase"],
  ["camelcase upper run", '{{ camelcase "HTTP_SERVER" }}', "upper runs fold to lower"],
  ["swapcase", '{{ swapcase "Hello World ß" }}', "swap case"],
  ["snakecase", '{{ snakecase "FirstName" }}', "snakecase"],
  ["kebabcase", '{{ kebabcase "FirstName" }}', "kebabcase"],
  ["addf", '{{ addf 1.1 2.2 }} {{ addf 1 "2.5" }}', "decimal add: 3.3 exactly"],
  ["add1f", '{{ add1f 1.5 }}', "add1f"],
  ["subf", '{{ subf 3.3 1.1 }} {{ subf 1 }}', "decimal sub"],
  ["mulf", '{{ mulf 1.1 3 }} {{ mulf 0.1 0.2 }}', "decimal mul"],
  ["divf", '{{ divf 10 3 }} {{ divf 1 8 }} {{ divf -2 3 }}', "decimal div rounds to 16 places"],
  ["divf zero", '{{ divf 1 0 }}', "decimal division by zero fails"],
  ["maxf minf", '{{ maxf 1.5 2 0.5 }} {{ minf 1.5 2 0.5 }}', "maxf/minf"],
  ["duration", '{{ duration 95 }} {{ duration "3700" }} {{ duration (int64 86400) }} {{ duration 0 }}', "duration takes string or int64 seconds; int is 0"],
  ["duration neg", '{{ duration "-61" }}', "negative duration"],
  ["durationRound", '{{ durationRound "2h10m" }} {{ durationRound "400h" }} {{ durationRound "1s" }} {{ durationRound "90s" }} {{ durationRound "9000h" }}', "durationRound picks the largest unit"],
  ["durationRound int64", '{{ durationRound (int64 3600000000000) }}', "int64 nanoseconds"],
  ["dateModify", '{{ toDate "2006-01-02" "2024-02-28" | dateModify "36h" | date "2006-01-02 15:04" }}', "date arithmetic"],
  ["dateModify neg", '{{ toDate "2006-01-02" "2024-03-01" | dateModify "-1.5h" | date "2006-01-02 15:04" }}', "negative fractional duration"],
  ["dateModify bad", '{{ toDate "2006-01-02" "2024-03-01" | dateModify "nope" | date "2006-01-02" }}', "bad duration leaves the date"],
  ["mustDateModify bad", '{{ toDate "2006-01-02" "2024-03-01" | mustDateModify "nope" }}', "mustDateModify fails"],
  ["date_modify", '{{ toDate "2006-01-02" "2024-03-01" | date_modify "1m30s" | date "15:04:05" }}', "underscore alias"],
  ["dateModify wrong type", '{{ dateModify "1h" "x" }}', "a string is not a time.Time"],
  ["time methods", '{{ $t := toDate "2006-01-02T15:04:05Z07:00" "2024-02-29T13:14:15+02:00" }}{{ $t.Year }} {{ $t.Month }} {{ $t.Day }} {{ $t.Hour }} {{ $t.Minute }} {{ $t.Second }} {{ $t.YearDay }} {{ $t.Weekday }} {{ $t.Unix }}', "time.Time methods"],
  ["time Format", '{{ (toDate "2006-01-02" "2024-02-29").Format "Jan 2 2006" }}', "Format method with an argument"],
  ["time UTC", '{{ (toDate "2006-01-02T15:04:05Z07:00" "2024-02-29T13:14:15+02:00").UTC }}', "UTC method prints a time"],
  ["time AddDate", '{{ ((toDate "2006-01-02" "2024-01-31").AddDate 0 1 0).Format "2006-01-02" }}', "AddDate normalises like Go"],
  ["encryptAES roundtrip", '{{ encryptAES "secretkey" .pass | decryptAES "secretkey" }}', "AES-CBC round trip"],
  ["decryptAES vector", '{{ decryptAES "secretkey" "MTIzNDU2Nzg5MDEyMzQ1NtzTcvir+mBQCN1bIfTrQmo=" }}', "fixed vector (iv 1234567890123456)"],
  ["decryptAES empty", '{{ decryptAES "k" "" }}', "empty input is empty"],
  ["decryptAES short", '{{ decryptAES "k" "YWJj" }}', "shorter than a block fails"],
  ["decryptAES bad b64", '{{ decryptAES "k" "%%%" }}', "bad base64 fails"],
  ["encryptAES long key", '{{ encryptAES "0123456789abcdef0123456789abcdefXYZ" "hi" | decryptAES "0123456789abcdef0123456789abcdef" }}', "keys are truncated to 32 bytes"],
  ["derivePassword", '{{ derivePassword 1 "long" "password" "user" "example.com" }}', "Master Password algorithm"],
  ["derivePassword pin", '{{ derivePassword 3 "pin" .pass .user .host }}', "pin template"],
  ["derivePassword bad type", '{{ derivePassword 1 "nope" "p" "u" "s" }}', "unknown template text"],
  ["urlParse", '{{ urlParse "https://user:p%40ss@example.com:8443/a%20b/c?x=1&y=2#frag%21" | toJson }}', "url parts"],
  ["urlParse relative", '{{ urlParse "/just/a/path?q" | toJson }}', "relative URL"],
  ["urlParse opaque", '{{ urlParse "mailto:someone@example.com" | toJson }}', "opaque URL"],
  ["urlParse ipv6", '{{ (urlParse "http://[::1]:80/x").hostname }}', "IPv6 host"],
  ["urlParse bad", '{{ urlParse ":nope" }}', "missing scheme fails"],
  ["urlParse bad escape", '{{ urlParse "http://x/%zz" }}', "bad escape fails"],
  ["urlJoin", '{{ urlJoin (dict "scheme" "https" "host" "example.com:8443" "path" "/a b/c" "query" "x=1" "fragment" "f g" "userinfo" "u:p") }}', "join escapes the path"],
  ["urlJoin roundtrip", '{{ urlParse "https://a.example/x?y=z#w" | urlJoin }}', "round trip"],
  ["urlJoin opaque", '{{ urlJoin (dict "scheme" "mailto" "opaque" "x@y") }}', "opaque"],
  ["urlJoin bad type", '{{ urlJoin (dict "host" 1) }}', "non-string part fails"],
  ["semver", '{{ semver "v1.2.3-beta.1+build.5" }}', "semver prints without the v"],
  ["semver fields", '{{ $v := semver "1.2.3-rc.1" }}{{ $v.Major }}.{{ $v.Minor }}.{{ $v.Patch }} {{ $v.Prerelease }} {{ $v.Original }}', "semver methods"],
  ["semver partial", '{{ semver "1.2" }}', "missing patch is 0"],
  ["semver bad", '{{ semver "1.2.3.4" }}', "invalid version fails"],
  ["semverCompare", '{{ semverCompare ">=1.2.0" "1.3.0" }} {{ semverCompare "<1.2.0" "1.3.0" }} {{ semverCompare "~1.2.3" "1.2.9" }} {{ semverCompare "~1.2.3" "1.3.0" }}', "common operators"],
  ["semverCompare caret", '{{ semverCompare "^1.2.3" "1.9.0" }} {{ semverCompare "^1.2.3" "2.0.0" }} {{ semverCompare "^0.2.3" "0.2.9" }} {{ semverCompare "^0.2.3" "0.3.0" }}', "caret ranges"],
  ["semverCompare and or", '{{ semverCompare ">= 1.2, < 2.0" "1.5.0" }} {{ semverCompare "<1.0 || >=3.0" "2.0.0" }} {{ semverCompare ">1.0 <1.5" "1.2.0" }}', "and / or groups"],
  ["semverCompare x", '{{ semverCompare "1.2.x" "1.2.7" }} {{ semverCompare "1.2.x" "1.3.0" }} {{ semverCompare "*" "4.5.6" }} {{ semverCompare "!=1.2.3" "1.2.3" }}', "x-ranges and !="],
  ["semverCompare partial", '{{ semverCompare "1.2" "1.2.5" }} {{ semverCompare ">1.2" "1.2.5" }} {{ semverCompare "<=1.2" "1.2.5" }} {{ semverCompare "!=1.2" "1.2.5" }} {{ semverCompare "^0.x" "0.9.0" }} {{ semverCompare "* || 1" "0.0.1-alpha" }}', "partial versions are wildcards"],
  ["semverCompare hyphen", '{{ semverCompare "1.2 - 1.4.5" "1.4.5" }} {{ semverCompare "1.2 - 1.4.5" "1.4.6" }}', "hyphen range"],
  ["semverCompare prerelease", '{{ semverCompare ">=1.2.0" "1.3.0-beta" }} {{ semverCompare ">=1.2.0-0" "1.3.0-beta" }}', "prereleases need a prerelease constraint"],
  ["semverCompare v prefix", '{{ semverCompare ">= v1.2.0" "v1.10.0" }} {{ semverCompare "=1.2.3" "1.2.3" }} {{ semverCompare "1.2.3" "1.2.4" }}', "v prefix and ="],
  ["semverCompare bad", '{{ semverCompare ">=1.2.0" "nope" }}', "bad version fails"],
  ["semverCompare bad constraint", '{{ semverCompare "=>>1" "1.0.0" }}', "bad constraint fails"],
];
for (const [n, t, r] of more) add(n, t, r);
add("seq until chunk", '{{ seq 3 }} {{ until 3 }} {{ untilStep 0 10 4 }} {{ chunk 2 (until 5) }}', "list builders used together");
add("genPrivateKey rsa shape", '{{ genPrivateKey "rsa" }}', "RSA 4096 PKCS#1", { shape: /^-----BEGIN RSA PRIVATE KEY-----\nMIIJ[A-Za-z0-9+/]{60}\n(?:[A-Za-z0-9+/=]{1,64}\n){40,}-----END RSA PRIVATE KEY-----\n$/ });
add("genPrivateKey ecdsa shape", '{{ genPrivateKey "ecdsa" }}', "P-256 SEC1", { shape: /^-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE[A-Za-z0-9+/]{56}\n[A-Za-z0-9+/]{64}\n[A-Za-z0-9+/]{34}==\n-----END EC PRIVATE KEY-----\n$/ });
add("genPrivateKey ed25519 shape", '{{ genPrivateKey "ed25519" }}', "Ed25519 PKCS#8", { shape: /^-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI[A-Za-z0-9+/]{43}\n-----END PRIVATE KEY-----\n$/ });
add("genPrivateKey dsa shape", '{{ genPrivateKey "dsa" }}', "DSA in OpenSSL's traditional form", { shape: /^-----BEGIN DSA PRIVATE KEY-----\nMIID[A-Za-z0-9+/]{60}\n(?:[A-Za-z0-9+/=]{1,64}\n)+-----END DSA PRIVATE KEY-----\n$/ });
add("genPrivateKey unknown", '{{ genPrivateKey "nope" }}', "unknown type is text, not an error");
add("shuffle shape", '{{ shuffle "aabbcc" | len }}', "shuffle keeps the length", { shape: /^6$/ });
add("shuffle letters", '{{ shuffle "abc" | splitList "" | sortAlpha | join "" }}', "shuffle keeps the letters");
add("encryptAES shape", '{{ encryptAES "k" "hello" }}', "IV + one block, base64", { shape: /^[A-Za-z0-9+/]{43}=$/ });
add("ago shape", '{{ ago (toDate "2006-01-02" "2020-01-01") }}', "ago is hours since", { shape: /^\d+h\d+m\d+s$/ });
add("durationRound time shape", '{{ durationRound (toDate "2006-01-02" "2020-01-01") }}', "time since a date in years", { shape: /^\d+y$/ });

// ---- ESO's own functions, against the oracle's Go versions ----
const jwks = JSON.parse(FIX("jwk.json")) as Record<string, unknown>;
const jwk = (k: string): string => JSON.stringify(jwks[k]);
const P = { leaf: FIX("leaf.pem"), inter: FIX("inter.pem"), root: FIX("root.pem"), key: FIX("leaf.key"), ec: FIX("ec.pem"), eckey: FIX("ec.key") };
const bundle = P.leaf + P.inter + P.root;
const shuffled = P.root + P.leaf + P.inter;
const esoCases: [string, string, Record<string, string>, Record<string, string>, string][] = [
  ["pkcs12key chain", "{{ .p12 | pkcs12keyPass \"hunter2\" }}", {}, { p12: p12("chain.p12.b64") }, "OpenSSL 3 PKCS#12 (AES-256, SHA-256 MAC): key as PKCS#8"],
  ["pkcs12cert chain", "{{ .p12 | pkcs12certPass \"hunter2\" }}", {}, { p12: p12("chain.p12.b64") }, "certificates ordered leaf → root"],
  ["pkcs12key wrong pass", "{{ .p12 | pkcs12keyPass \"nope\" }}", {}, { p12: p12("chain.p12.b64") }, "wrong password fails"],
  ["pkcs12key no pass", "{{ .p12 | pkcs12key }}", {}, { p12: p12("nopass.p12.b64") }, "empty password"],
  ["pkcs12cert no pass", "{{ .p12 | pkcs12cert }}", {}, { p12: p12("nopass.p12.b64") }, "single certificate"],
  ["pkcs12key ec", "{{ .p12 | pkcs12keyPass \"ecpass\" }}", {}, { p12: p12("ec.p12.b64") }, "EC key re-encoded as PKCS#8"],
  ["pkcs12cert ec", "{{ .p12 | pkcs12certPass \"ecpass\" }}", {}, { p12: p12("ec.p12.b64") }, "EC certificate"],
  ["pkcs12key junk", "{{ .x | pkcs12key }}", { x: "not a pfx" }, {}, "junk fails"],
  ["pemToPkcs12 roundtrip key", "{{ pemToPkcs12 .cert .key | b64dec | pkcs12key }}", { cert: P.leaf, key: P.key }, {}, "written PKCS#12 reads back (key)"],
  ["pemToPkcs12Pass roundtrip cert", "{{ pemToPkcs12Pass .cert .key \"pw\" | b64dec | pkcs12certPass \"pw\" }}", { cert: P.leaf, key: P.key }, {}, "written PKCS#12 reads back (cert)"],
  ["fullPemToPkcs12 roundtrip", "{{ fullPemToPkcs12 .cert .key | b64dec | pkcs12cert }}", { cert: bundle, key: P.key }, {}, "chain survives and comes back ordered"],
  ["fullPemToPkcs12Pass roundtrip", "{{ fullPemToPkcs12Pass .cert .key \"pw\" | b64dec | pkcs12keyPass \"pw\" }}", { cert: P.leaf + P.inter, key: P.key }, {}, "chain with password"],
  ["pemToPkcs12 bad cert", "{{ pemToPkcs12 \"nope\" .key }}", { key: P.key }, {}, "no certificate PEM fails"],
  ["pemToPkcs12 bad key", "{{ pemToPkcs12 .cert \"nope\" }}", { cert: P.leaf }, {}, "no key PEM fails"],
  ["filterCertChain leaf", "{{ filterCertChain \"leaf\" .b }}", { b: shuffled }, {}, "leaf out of an unordered bundle"],
  ["filterCertChain intermediate", "{{ filterCertChain \"intermediate\" .b }}", { b: shuffled }, {}, "intermediates only"],
  ["filterCertChain root", "{{ filterCertChain \"root\" .b }}", { b: shuffled }, {}, "the self-signed root"],
  ["filterCertChain other", "{{ filterCertChain \"nope\" .b }}", { b: bundle }, {}, "unknown type is empty"],
  ["filterCertChain leaf only root", "{{ filterCertChain \"leaf\" .b }}", { b: P.root }, {}, "a lone root is not a leaf"],
  ["filterCertChain disjunct", "{{ filterCertChain \"leaf\" .b }}", { b: P.leaf + P.ec }, {}, "two unrelated leaves fail"],
  ["filterCertChain no AKI", "{{ filterCertChain \"root\" .b }}", { b: P.ec }, {}, "a certificate without key ids"],
  ["jwkPublicKeyPem rsa", "{{ jwkPublicKeyPem .j }}", { j: jwk("rsaPublic") }, {}, "RSA JWK to PKIX PEM"],
  ["jwkPublicKeyPem ec", "{{ jwkPublicKeyPem .j }}", { j: jwk("ecPublic") }, {}, "EC P-256 JWK"],
  ["jwkPublicKeyPem ed25519", "{{ jwkPublicKeyPem .j }}", { j: jwk("ed25519Public") }, {}, "OKP Ed25519 JWK"],
  ["jwkPublicKeyPem private", "{{ jwkPublicKeyPem .j }}", { j: jwk("rsaPrivate") }, {}, "a private JWK is not a public key"],
  ["jwkPrivateKeyPem rsa", "{{ jwkPrivateKeyPem .j }}", { j: jwk("rsaPrivate") }, {}, "RSA JWK to PKCS#8"],
  ["jwkPrivateKeyPem ec", "{{ jwkPrivateKeyPem .j }}", { j: jwk("ecPrivate") }, {}, "EC JWK to PKCS#8"],
  ["jwkPrivateKeyPem ed25519", "{{ jwkPrivateKeyPem .j }}", { j: jwk("ed25519Private") }, {}, "Ed25519 JWK to PKCS#8"],
  ["jwkPrivateKeyPem public", "{{ jwkPrivateKeyPem .j }}", { j: jwk("rsaPublic") }, {}, "a public JWK has no private key"],
  ["jwk junk", "{{ jwkPublicKeyPem .j }}", { j: "{nope" }, {}, "bad JSON fails"],
];
for (const [n, t, data, b64, r] of esoCases) {
  const dataB64: Record<string, string> = {};
  for (const [k, v] of Object.entries(b64)) dataB64[k] = v;
  add(n, t, r, { data: { ...D, ...data }, dataB64 });
}
const secrets = { "team-a/db": { password: "from-k8s", "tls.crt": "CERT" } };
add("getSecretKey", '{{ getSecretKey "db" "team-a" "password" }}', "reads another Secret through the lookup port", { secrets });
add("getSecretKey missing key", '{{ getSecretKey "db" "team-a" "nope" }}', "a missing key fails", { secrets });
add("getSecretKey missing secret", '{{ getSecretKey "other" "team-a" "password" }}', "a missing Secret fails", { secrets });

// ---- bcrypt / htpasswd (hashes are salted: shape here, Go verification in bcrypt.test.ts) ----
add("bcrypt shape", "{{ bcrypt .pass }}", "cost 10, $2a$, 53 salt+hash chars", { shape: /^\$2a\$10\$[./A-Za-z0-9]{53}$/ });
add("bcrypt too long", '{{ bcrypt (repeat 73 "x") }}', "over 72 bytes: sprig prints Go's error as the output");
add("bcrypt 72 bytes", '{{ bcrypt (repeat 72 "x") | len }}', "72 bytes is still hashed (60 chars)");
add("htpasswd shape", "{{ htpasswd .user .pass }}", "user:bcrypt-hash", { shape: /^admin:\$2a\$10\$[./A-Za-z0-9]{53}$/ });
add("htpasswd colon user", '{{ htpasswd "a:b" .pass }}', "a ':' in the user name is sprig's message, not an error");
add("htpasswd long password", '{{ htpasswd "u" (repeat 80 "p") }}', "the bcrypt failure message lands after the user");
add("bcrypt non-string", "{{ bcrypt 5 }}", "bcrypt takes a string");

// ---- certificates (fresh keys and serials: deterministic facts here, x509 facts in certs.test.ts) ----
const certKeys = {
  rsa8: generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }) as string,
  ec1: generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "sec1", format: "pem" }) as string,
  ed: generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }) as string,
};
const certCases: [string, string, string, Partial<Case>?][] = [
  ["genCA shape", '{{ (genCA "x" 1).Cert }}', "one CERTIFICATE PEM block", { shape: /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END CERTIFICATE-----\n$/ }],
  ["genCA key shape", '{{ (genCA "x" 1).Key }}', "a fresh RSA key as PKCS#1", { shape: /^-----BEGIN RSA PRIVATE KEY-----\n[^]+-----END RSA PRIVATE KEY-----\n$/ }],
  ["certificate type", '{{ typeOf (genCA "x" 1) }} {{ kindOf (genCA "x" 1) }}', "sprig's unexported struct"],
  ["certificate json keys", '{{ genCA "x" 1 | toJson | fromJson | keys | sortAlpha }}', "JSON has Cert and Key"],
  ["genCAWithKey rsa pkcs8 key out", "{{ (genCAWithKey \"x\" 1 .rsa8).Key }}", "an RSA PKCS#8 key comes back re-encoded as PKCS#1, byte for byte"],
  ["genCAWithKey ec key out", "{{ eq (genCAWithKey \"x\" 1 .ec1).Key .ec1 }}", "an EC key comes back as the same SEC 1 PEM"],
  ["genSelfSignedCertWithKey ed key out", "{{ (genSelfSignedCertWithKey \"x\" nil nil 1 .ed).Key }}", "Ed25519 comes back as PKCS#8"],
  ["chain leaf", '{{ $ca := genCA "ca" 1 }}{{ $c := genSignedCert "l" nil nil 1 $ca }}{{ filterCertChain "leaf" (print $ca.Cert $c.Cert) | eq $c.Cert }}', "AKI/SKI link the leaf to its CA as ESO's chain ordering sees it"],
  ["chain root", '{{ $ca := genCAWithKey "ca" 1 .ec1 }}{{ $c := genSignedCert "l" nil nil 1 $ca }}{{ filterCertChain "root" (print $c.Cert $ca.Cert) | eq $ca.Cert }}', "the CA is a root (SKI, no AKI)"],
  ["self-signed leaf is no leaf", '{{ $c := genSelfSignedCert "s" nil nil 1 }}{{ filterCertChain "leaf" $c.Cert | len }}', "a self-signed certificate has no AKI"],
  ["pkcs12 roundtrip", '{{ $c := genSelfSignedCertWithKey "p" nil nil 1 .rsa8 }}{{ pemToPkcs12 $c.Cert $c.Key | b64dec | pkcs12cert | eq $c.Cert }}', "Go's PKCS#12 encoder accepts kseal's certificate"],
  ["buildCustomCert fields", '{{ $a := genCAWithKey "a" 1 .ec1 }}{{ $b := buildCustomCert (b64enc $a.Cert) (b64enc $a.Key) }}{{ and (eq $a.Cert $b.Cert) (eq $a.Key $b.Key) }}', "buildCustomCert returns the decoded PEM"],
  ["buildCustomCert bad key", '{{ $a := genCA "a" 1 }}{{ buildCustomCert (b64enc $a.Cert) (b64enc "nope") }}', "a key that is not PEM fails"],
  ["genSignedCert wrong type", '{{ genSignedCert "l" nil nil 1 "ca" }}', "the CA must be a certificate struct"],
  ["genSelfSignedCert string ips", '{{ genSelfSignedCert "l" "1.2.3.4" nil 1 }}', "ips must be a list"],
  ["genCA float days", '{{ genCA "l" 1.5 }}', "days is an int"],
  ["genCAWithKey dsa", '{{ genCAWithKey "x" 1 (genPrivateKey "dsa") }}', "Go parses a DSA key but cannot sign with it"],
];
for (const [n, t, r, extra] of certCases) add(n, t, r, { data: { ...D, ...certKeys }, ...(extra ?? {}) });

// ---- regexps: Go's RE2 (linear time, Go syntax), proven against Go itself ----
const LONG = { ...D, long: "a".repeat(50_000) + "!", xs: "x".repeat(50_000), ab: "ab".repeat(25_000) };
const regexCases: [string, string, string][] = [
  ["redos nested plus", '{{ regexMatch "(a+)+$" .long }}', "catastrophic backtracking in JS; linear in Go"],
  ["redos alternation replace", '{{ regexReplaceAll "(a|aa)+!$" .long "X" }}', "overlapping alternation under + is linear in RE2"],
  ["redos alternation no match", '{{ regexReplaceAll "(a|aa)+$" .long "X" | len }}', "the fuzzer's hang: no match, subject returned unchanged"],
  ["redos findAll", '{{ regexFindAll "(x+x+)+y" .xs -1 | len }}', "nested quantifiers, no match"],
  ["redos split", '{{ regexSplit "(a*)*b" .ab -1 | len }}', "star of star splits in linear time"],
  ["redos mustRegexMatch", '{{ mustRegexMatch "^(\\\\w+\\\\s?)*$" .long }}', "the classic e-mail-validator ReDoS"],
  ["ungreedy flag", '{{ regexFind "(?U)a+" "aaa" }}', "(?U) swaps greediness (JS has no such flag)"],
  ["ungreedy flag lazy op", '{{ regexFind "(?U)a+?" "aaa" }}', "under (?U) a+? is greedy"],
  ["end of text \\z", '{{ regexMatch `a\\z` "a\\n" }}', "\\z is the very end, unlike $ under (?m)"],
  ["begin of text \\A", '{{ regexReplaceAll `(?m)\\A.` "ab\\ncd" "X" }}', "\\A only at the start even in multi-line mode"],
  ["posix alpha", '{{ regexFindAll `[[:alpha:]]+` "ab1cd2é" -1 }}', "POSIX classes are ASCII"],
  ["posix negated", '{{ regexFindAll `[[:^digit:]]+` "ab12cd" -1 }}', "negated POSIX class inside brackets"],
  ["perl negated in class", '{{ regexFindAll `[\\D\\s]+` "a1 b2" -1 }}', "negated Perl class inside brackets"],
  ["unicode letter \\pL", '{{ regexFindAll `\\pL+` .unicode -1 }}', "one-letter Unicode class"],
  ["unicode not letter \\PL", '{{ regexFindAll `\\PL+` .unicode -1 }}', "negated Unicode class"],
  ["unicode script", '{{ regexFind `\\p{Greek}+` "abc αβγ" }}', "Unicode script names"],
  ["perl classes ascii", '{{ regexFindAll `\\w+` .unicode -1 }}', "\\w is ASCII-only in Go"],
  ["word boundary ascii", '{{ regexReplaceAll `\\b` "héllo" "|" }}', "\\b uses ASCII word characters"],
  ["case fold mid pattern", '{{ regexFind "a(?i)b" "aB" }}', "flags can change in the middle of a pattern"],
  ["case fold mid pattern miss", '{{ regexFind "a(?i)b" "AB" }}', "flags before the group are unchanged"],
  ["flags group negated", '{{ regexFind "(?i)a(?-i:b)" "AbAB" }}', "(?-i:...) turns a flag off"],
  ["case fold sigma", '{{ regexFindAll "(?i)σ" "Σσς" -1 }}', "Unicode simple case folding, incl. final sigma"],
  ["case fold kelvin", '{{ regexMatch "(?i)k" "\u212a" }}', "K folds to the Kelvin sign"],
  ["dot no newline", '{{ regexFindAll "." "a\\nb" -1 }}', "dot excludes newline by default"],
  ["dot all", '{{ regexFindAll "(?s)a.b" "a\\nb" -1 }}', "(?s) dot matches newline"],
  ["multi-line anchors", '{{ regexFindAll "(?m)^\\\\w" .multi -1 }}', "(?m) ^ at each line"],
  ["quote meta Q E", '{{ regexFind `\\Q.*+\\E` "a.*+b" }}', "\\Q...\\E literal text"],
  ["hex escape", '{{ regexFind `\\x{263a}` "☺" }}', "\\x{...} escape"],
  ["octal escape", '{{ regexFind `\\101` "ABC" }}', "octal escape"],
  ["repeat max", '{{ regexMatch "a{1000}" "a" }}', "1000 is the largest repeat count"],
  ["repeat too large", '{{ mustRegexMatch "a{1001}" "a" }}', "repeat count above 1000 is an error"],
  ["repeat too large non-must", '{{ regexMatch "a{1001}" "a" }}', "regexMatch swallows the compile error"],
  ["nested repetition", '{{ mustRegexMatch "a**" "a" }}', "a** is an error in Go"],
  ["nested repetition braces", '{{ mustRegexFind "a{2}{3}" "a" }}', "x{2}{3} is an error in Go"],
  ["double question", '{{ regexFind "a??" "aa" }}', "a?? is a lazy ?, valid"],
  ["backreference refused", '{{ mustRegexFind `(a)\\1` "aa" }}', "RE2 has no backreferences"],
  ["lookbehind refused", '{{ mustRegexFind "(?<=a)b" "ab" }}', "RE2 has no lookbehind"],
  ["lookahead refused", '{{ mustRegexFind "a(?=b)" "ab" }}', "RE2 has no lookahead"],
  ["\\C refused", '{{ mustRegexFind `\\C` "ab" }}', "Go refuses \\C"],
  ["bad escape", '{{ mustRegexFind `\\i` "ab" }}', "unknown escapes are errors"],
  ["missing bracket", '{{ mustRegexFind "[a" "ab" }}', "missing ]"],
  ["unexpected paren", '{{ mustRegexFind "a)" "ab" }}', "unbalanced )"],
  ["bad class range", '{{ mustRegexFind "[z-a]" "ab" }}', "reversed range"],
  ["named group P", '{{ regexReplaceAll "(?P<x>b+)" "abbc" "<${x}>" }}', "Python-style named group"],
  ["named group angle", '{{ regexReplaceAll "(?<x>b+)" "abbc" "<$x>" }}', "Go 1.22 (?<name>) syntax"],
  ["expand longest name", '{{ regexReplaceAll "(b)" "abc" "$1x" }}', "$1x names group \"1x\", which is empty"],
  ["expand leading zero", '{{ regexReplaceAll "(b)" "abc" "[$01]" }}', "$01 is not group 1"],
  ["expand out of range", '{{ regexReplaceAll "(b)" "abc" "[$9]" }}', "a missing group is empty"],
  ["expand malformed", '{{ regexReplaceAll "(b)" "abc" "[${1]" }}', "a malformed reference keeps the $"],
  ["expand dollar dollar", '{{ regexReplaceAll "(b)" "abc" "$$1" }}', "$$ is a literal dollar"],
  ["expand unmatched group", '{{ regexReplaceAll "(x)?b" "abc" "[$1]" }}', "a group not in the match is empty"],
  ["expand unicode subject", '{{ regexReplaceAll "(ö)" .unicode "<$1>" }}', "byte offsets into UTF-8 text"],
  ["literal replacement dollars", '{{ regexReplaceAllLiteral "b" "abc" "$1$$" }}', "no expansion at all"],
  ["empty matches replace", '{{ regexReplaceAll "x*" "abc" "-" }}', "empty matches between characters"],
  ["empty match after match", '{{ regexReplaceAll "a*" "baaac" "-" }}', "an empty match right after a match is skipped"],
  ["empty matches unicode", '{{ regexReplaceAll "" "é✓" "-" }}', "empty matches step by whole runes"],
  ["findAll n zero", '{{ regexFindAll "a" "aaa" 0 }}', "n = 0 returns nothing"],
  ["findAll n one", '{{ regexFindAll "a" "aaa" 1 }}', "n limits the matches"],
  ["findAll none", '{{ regexFindAll "z" "aaa" -1 | len }}', "no match is an empty list"],
  ["regexFind none", '{{ regexFind "z" "aaa" | len }}', "no match is the empty string"],
  ["split n zero", '{{ regexSplit "," "a,b" 0 | len }}', "n = 0 returns no pieces"],
  ["split n two", '{{ regexSplit "," "a,b,c" 2 }}', "the last piece keeps the rest"],
  ["split empty subject", '{{ regexSplit "," "" -1 | len }}', "an empty subject is one empty piece"],
  ["split empty both", '{{ regexSplit "" "" -1 | len }}', "empty pattern on empty subject gives none"],
  ["split leading match", '{{ regexSplit "a" "abab" -1 }}', "a match at 0 yields a leading empty piece"],
  ["split trailing match", '{{ regexSplit "b" "abab" -1 }}', "a match at the end yields a trailing empty piece"],
  ["split empty pattern unicode", '{{ regexSplit "" "é✓" -1 }}', "empty pattern splits into runes"],
  ["invalid utf8 subject dot", '{{ regexFindAll "." .bin -1 | len }}', "each invalid byte is one U+FFFD", ],
  ["invalid utf8 subject replace", '{{ regexReplaceAll "b" .bin "X" | b64enc }}', "invalid bytes pass through a replace unchanged"],
  ["invalid utf8 subject fffd", '{{ regexFindAll "\\uFFFD" .bin -1 | len }}', "an invalid byte matches U+FFFD"],
  ["invalid utf8 pattern", '{{ mustRegexMatch (b64dec "/w==") "a" }}', "Go refuses a pattern that is not UTF-8"],
  ["invalid utf8 pattern non-must", '{{ regexMatch (b64dec "/w==") "a" }}', "regexMatch swallows it"],
  ["quote meta unicode", '{{ regexQuoteMeta "é.+ö$" }}', "QuoteMeta escapes only ASCII specials"],
  ["quote meta roundtrip", '{{ regexFind (regexQuoteMeta "a.b*c") "xa.b*cx" }}', "quoted pattern matches literally"],
  ["leftmost first", '{{ regexFind "a|ab" "ab" }}', "leftmost-first, not leftmost-longest"],
  ["alternation empty", '{{ regexFindAll "|a" "aa" -1 | len }}', "an empty alternative wins first"],
  ["any char class", '{{ regexFind `[^a]` "a\\nb" }}', "negated class includes newline"],
];
for (const [n, t, r] of regexCases) add(n, t, r, { data: LONG, dataB64: { bin: "YWL/Yv7AYw==" } });

export const CORPUS: readonly Case[] = cases;
