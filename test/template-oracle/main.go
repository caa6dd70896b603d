// Command template-oracle renders Go text/template + sprig templates the way External Secrets
// Operator (engine v2) and Sealed Secrets do, for kseal's differential tests.
//
// Protocol: one JSON request per stdin line, one JSON response per stdout line, in order.
//
//	request:  {"template": "...", "data": {"k": "v"}, "dataB64": {"k": "base64"},
//	           "funcs": "eso" | "sealed-secrets", "missingKey": "" (operator default) | "error" | "default" | "zero"}
//	response: {"ok": true, "outputB64": "..."} | {"ok": false, "error": "..."}
//
// Data is a map[string]string, as both operators hand it to the template (ESO converts its
// map[string][]byte; Sealed Secrets builds the map from the decrypted values). dataB64 entries are
// decoded to raw bytes so binary values can be tested. The output is base64 so bytes survive.
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"text/template"

	"github.com/Masterminds/sprig/v3"
)

type request struct {
	Template   string            `json:"template"`
	Data       map[string]string `json:"data"`
	DataB64    map[string]string `json:"dataB64"`
	Funcs      string            `json:"funcs"`
	MissingKey string            `json:"missingKey"`
}

type response struct {
	OK        bool   `json:"ok"`
	OutputB64 string `json:"outputB64,omitempty"`
	Error     string `json:"error,omitempty"`
}

func funcMap() template.FuncMap {
	m := sprig.TxtFuncMap()
	// Neither operator may learn about its environment; kseal never offers these.
	delete(m, "env")
	delete(m, "expandenv")
	delete(m, "getHostByName")
	return m
}

func render(req request) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	data := make(map[string]string, len(req.Data)+len(req.DataB64))
	for k, v := range req.Data {
		data[k] = v
	}
	for k, v := range req.DataB64 {
		b, derr := base64.StdEncoding.DecodeString(v)
		if derr != nil {
			return nil, fmt.Errorf("oracle: bad dataB64 for %q", k)
		}
		data[k] = string(b)
	}
	t := template.New("tpl").Funcs(funcMap())
	switch {
	case req.MissingKey != "":
		t = t.Option("missingkey=" + req.MissingKey)
	case req.Funcs != "sealed-secrets":
		// ESO engine v2 parses with missingkey=error; Sealed Secrets keeps Go's default.
		t = t.Option("missingkey=error")
	}
	t, err = t.Parse(req.Template)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err = t.Execute(&buf, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for in.Scan() {
		var req request
		var resp response
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			resp = response{Error: "oracle: bad request: " + err.Error()}
		} else if b, err := render(req); err != nil {
			resp = response{Error: err.Error()}
		} else {
			resp = response{OK: true, OutputB64: base64.StdEncoding.EncodeToString(b)}
		}
		if err := enc.Encode(resp); err != nil {
			os.Exit(1)
		}
		out.Flush()
	}
}
