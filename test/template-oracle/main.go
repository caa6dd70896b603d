// Command template-oracle renders Go text/template + sprig templates the way External Secrets
// Operator (engine v2) and Sealed Secrets do, for kseal's differential tests.
//
// Protocol: one JSON request per stdin line, one JSON response per stdout line, in order.
//
//	request:  {"template": "...", "data": {"k": "v"}, "dataB64": {"k": "base64"},
//	           "funcs": "eso" | "sealed-secrets", "missingKey": "" (operator default) | "error" | "default" | "zero",
//	           "secrets": {"namespace/name": {"key": "value"}}, "names": false}
//
// "secrets" backs ESO's getSecretKey (a Kubernetes lookup in ESO; a table here). "names": true
// answers with the sorted function names of the set, one per line, instead of rendering.
//
//	response: {"ok": true, "outputB64": "..."} | {"ok": false, "error": "..."}
//
// Data is a map[string]string, as both operators hand it to the template (ESO converts its
// map[string][]byte; Sealed Secrets builds the map from the decrypted values). dataB64 entries are
// decoded to raw bytes so binary values can be tested. The output is base64 so bytes survive.
package main

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"golang.org/x/crypto/bcrypt"
	gopkcs12 "software.sslmate.com/src/go-pkcs12"
)

type request struct {
	Template   string                       `json:"template"`
	Data       map[string]string            `json:"data"`
	DataB64    map[string]string            `json:"dataB64"`
	Funcs      string                       `json:"funcs"`
	MissingKey string                       `json:"missingKey"`
	Secrets    map[string]map[string]string `json:"secrets"`
	Names      bool                         `json:"names"`
	// Bcrypt asks whether bcrypt.CompareHashAndPassword accepts hash and password (answers "ok").
	Bcrypt *bcryptCheck `json:"bcrypt"`
	// CertFacts answers with a JSON summary of a certificate as crypto/x509 parses it.
	CertFacts *certFactsReq `json:"certFacts"`
}

type response struct {
	OK        bool   `json:"ok"`
	OutputB64 string `json:"outputB64,omitempty"`
	Error     string `json:"error,omitempty"`
}

func funcMap(req request) template.FuncMap {
	m := sprig.TxtFuncMap()
	// Neither operator may learn about its environment; kseal never offers these.
	delete(m, "env")
	delete(m, "expandenv")
	delete(m, "getHostByName")
	if req.Funcs != "sealed-secrets" {
		for k, v := range esoFuncs(req.Secrets) {
			m[k] = v
		}
	}
	return m
}

func names(req request) []byte {
	var out []string
	for k := range funcMap(req) {
		out = append(out, k)
	}
	sort.Strings(out)
	return []byte(strings.Join(out, "\n"))
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
	if req.Names {
		return names(req), nil
	}
	if req.Bcrypt != nil {
		return checkBcrypt(*req.Bcrypt)
	}
	if req.CertFacts != nil {
		return certFacts(*req.CertFacts)
	}
	t := template.New("tpl").Funcs(funcMap(req))
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

// ---- ESO engine v2's own functions, written here from ESO's documented behaviour ----

func esoFuncs(secrets map[string]map[string]string) template.FuncMap {
	return template.FuncMap{
		"pkcs12key":           func(in string) (string, error) { return pkcs12KeyPass("", in) },
		"pkcs12keyPass":       pkcs12KeyPass,
		"pkcs12cert":          func(in string) (string, error) { return pkcs12CertPass("", in) },
		"pkcs12certPass":      pkcs12CertPass,
		"pemToPkcs12":         func(cert, key string) (string, error) { return pemToPkcs12(cert, key, "", false) },
		"pemToPkcs12Pass":     func(cert, key, pass string) (string, error) { return pemToPkcs12(cert, key, pass, false) },
		"fullPemToPkcs12":     func(cert, key string) (string, error) { return pemToPkcs12(cert, key, "", true) },
		"fullPemToPkcs12Pass": func(cert, key, pass string) (string, error) { return pemToPkcs12(cert, key, pass, true) },
		"filterPEM":           filterPEM,
		"filterCertChain":     filterCertChain,
		"jwkPublicKeyPem":     jwkPublicKeyPem,
		"jwkPrivateKeyPem":    jwkPrivateKeyPem,
		"getSecretKey": func(name, namespace, key string) (string, error) {
			s, ok := secrets[namespace+"/"+name]
			if !ok {
				return "", errors.New("error fetching secret")
			}
			v, ok := s[key]
			if !ok {
				return "", fmt.Errorf("key not found in secret: %q", key)
			}
			return v, nil
		},
	}
}

func pemString(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func pkcs12KeyPass(pass, in string) (string, error) {
	key, _, _, err := gopkcs12.DecodeChain([]byte(in), pass)
	if err != nil {
		return "", fmt.Errorf("unable to decode pkcs12 with password: %s", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", err
	}
	return pemString("PRIVATE KEY", der), nil
}

func pkcs12CertPass(pass, in string) (string, error) {
	_, leaf, cas, err := gopkcs12.DecodeChain([]byte(in), pass)
	if err != nil {
		return "", fmt.Errorf("unable to decode pkcs12 certificate with password: %s", err)
	}
	all := append([]*x509.Certificate{leaf}, cas...)
	ordered, err := orderChain(all)
	if err != nil {
		// Disjunct or cyclic sets come back in the order the file had them.
		ordered = all
	}
	var out string
	for _, c := range ordered {
		out += pemString("CERTIFICATE", c.Raw)
	}
	return out, nil
}

func parseAnyPrivateKey(der []byte) (any, error) {
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("unable to parse private key type")
}

func pemToPkcs12(cert, key, pass string, full bool) (string, error) {
	block, rest := pem.Decode([]byte(cert))
	if block == nil {
		return "", errors.New("no certificate PEM")
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", err
	}
	var cas []*x509.Certificate
	if full {
		for len(rest) > 0 {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				return "", errors.New("trailing data is not PEM")
			}
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return "", err
			}
			cas = append(cas, c)
		}
	}
	kb, _ := pem.Decode([]byte(key))
	if kb == nil {
		return "", errors.New("no key PEM")
	}
	k, err := parseAnyPrivateKey(kb.Bytes)
	if err != nil {
		return "", err
	}
	pfx, err := gopkcs12.Modern.Encode(k, leaf, cas, pass)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(pfx), nil
}

func filterPEM(pemType, in string) (string, error) {
	data := []byte(in)
	var out []byte
	for {
		b, rest := pem.Decode(data)
		if b == nil {
			break
		}
		data = rest
		if strings.EqualFold(b.Type, pemType) {
			out = append(out, pem.EncodeToMemory(b)...)
		}
	}
	if len(out) == 0 && len(data) != 0 {
		return "", errors.New("error filtering pem: found junk")
	}
	return string(out), nil
}

// orderChain links each certificate to the one whose SubjectKeyId is its AuthorityKeyId and
// returns leaf → … → root; a set with several unlinked certificates or a cycle is an error.
func orderChain(certs []*x509.Certificate) ([]*x509.Certificate, error) {
	n := len(certs)
	parent := make([]int, n)
	isParent := make([]bool, n)
	for i := range parent {
		parent[i] = -1
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j && bytes.Equal(certs[i].AuthorityKeyId, certs[j].SubjectKeyId) {
				isParent[j] = true
				parent[i] = j
				break
			}
		}
	}
	leaf := -1
	for i := 0; i < n; i++ {
		if !isParent[i] {
			if leaf >= 0 {
				return nil, errors.New("found multiple leaf or disjunct certificates")
			}
			leaf = i
		}
	}
	if leaf < 0 {
		return nil, errors.New("no leaf certificate found")
	}
	var out []*x509.Certificate
	for at := leaf; at >= 0; at = parent[at] {
		if len(out) >= n {
			return nil, errors.New("constructing chain resulted in cycle")
		}
		out = append(out, certs[at])
	}
	return out, nil
}

func isRoot(c *x509.Certificate) bool {
	return c.AuthorityKeyId == nil || bytes.Equal(c.AuthorityKeyId, c.SubjectKeyId)
}

func filterCertChain(certType, in string) (string, error) {
	var certs []*x509.Certificate
	data := []byte(in)
	for {
		b, rest := pem.Decode(data)
		if b == nil {
			break
		}
		data = rest
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return "", err
		}
		certs = append(certs, c)
	}
	ordered, err := orderChain(certs)
	if err != nil {
		return "", err
	}
	switch certType {
	case "leaf":
		c := ordered[0]
		if c.AuthorityKeyId != nil && !bytes.Equal(c.AuthorityKeyId, c.SubjectKeyId) {
			return pemString("CERTIFICATE", c.Raw), nil
		}
	case "intermediate":
		var out string
		if len(ordered) < 2 {
			return "", nil
		}
		for _, c := range ordered[1:] {
			if isRoot(c) {
				break
			}
			out += pemString("CERTIFICATE", c.Raw)
		}
		return out, nil
	case "root":
		c := ordered[len(ordered)-1]
		if isRoot(c) {
			return pemString("CERTIFICATE", c.Raw), nil
		}
	}
	return "", nil
}

type jwkJSON struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	N   string `json:"n"`
	E   string `json:"e"`
	D   string `json:"d"`
	P   string `json:"p"`
	Q   string `json:"q"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

func b64u(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func bigOf(s string) (*big.Int, error) {
	b, err := b64u(s)
	if err != nil || len(b) == 0 {
		return nil, errors.New("jwk: bad number")
	}
	return new(big.Int).SetBytes(b), nil
}

// jwkKey returns the public key and, when the JWK has "d", the private key.
func jwkKey(in string) (pub any, priv any, err error) {
	var j jwkJSON
	if err := json.Unmarshal([]byte(in), &j); err != nil {
		return nil, nil, err
	}
	switch j.Kty {
	case "RSA":
		n, err := bigOf(j.N)
		if err != nil {
			return nil, nil, err
		}
		e, err := bigOf(j.E)
		if err != nil {
			return nil, nil, err
		}
		pk := rsa.PublicKey{N: n, E: int(e.Int64())}
		if j.D == "" {
			return &pk, nil, nil
		}
		d, err := bigOf(j.D)
		if err != nil {
			return nil, nil, err
		}
		p, err := bigOf(j.P)
		if err != nil {
			return nil, nil, err
		}
		q, err := bigOf(j.Q)
		if err != nil {
			return nil, nil, err
		}
		k := &rsa.PrivateKey{PublicKey: pk, D: d, Primes: []*big.Int{p, q}}
		k.Precompute()
		return &pk, k, nil
	case "EC":
		var curve elliptic.Curve
		switch j.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return nil, nil, errors.New("jwk: unsupported curve")
		}
		x, err := bigOf(j.X)
		if err != nil {
			return nil, nil, err
		}
		y, err := bigOf(j.Y)
		if err != nil {
			return nil, nil, err
		}
		pk := ecdsa.PublicKey{Curve: curve, X: x, Y: y}
		// Reject points off the curve, as a JWK parser must.
		if _, err := pk.ECDH(); err != nil {
			return nil, nil, err
		}
		if j.D == "" {
			return &pk, nil, nil
		}
		d, err := b64u(j.D)
		if err != nil {
			return nil, nil, err
		}
		k := &ecdsa.PrivateKey{PublicKey: pk, D: new(big.Int).SetBytes(d)}
		return &pk, k, nil
	case "OKP":
		if j.Crv != "Ed25519" {
			return nil, nil, errors.New("jwk: unsupported curve")
		}
		x, err := b64u(j.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return nil, nil, errors.New("jwk: bad x")
		}
		if j.D == "" {
			return ed25519.PublicKey(x), nil, nil
		}
		d, err := b64u(j.D)
		if err != nil || len(d) != ed25519.SeedSize {
			return nil, nil, errors.New("jwk: bad d")
		}
		return ed25519.PublicKey(x), ed25519.NewKeyFromSeed(d), nil
	}
	return nil, nil, errors.New("jwk: unsupported key type")
}

func jwkPublicKeyPem(in string) (string, error) {
	pub, priv, err := jwkKey(in)
	if err != nil {
		return "", err
	}
	// ESO marshals the raw key of the JWK; for a private JWK that is the private key, which
	// MarshalPKIXPublicKey refuses.
	if priv != nil {
		return "", errors.New("x509: unsupported public key type")
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	return pemString("PUBLIC KEY", der), nil
}

func jwkPrivateKeyPem(in string) (string, error) {
	_, priv, err := jwkKey(in)
	if err != nil {
		return "", err
	}
	if priv == nil {
		return "", errors.New("x509: unknown key type while marshaling PKCS#8")
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", err
	}
	return pemString("PRIVATE KEY", der), nil
}

// ---- verification of what kseal generated (bcrypt hashes, certificates) ----

type bcryptCheck struct {
	Hash        string `json:"hash"`
	PasswordB64 string `json:"passwordB64"`
}

func checkBcrypt(c bcryptCheck) ([]byte, error) {
	pw, err := base64.StdEncoding.DecodeString(c.PasswordB64)
	if err != nil {
		return nil, errors.New("oracle: bad passwordB64")
	}
	if err := bcrypt.CompareHashAndPassword([]byte(c.Hash), pw); err != nil {
		return nil, err
	}
	cost, err := bcrypt.Cost([]byte(c.Hash))
	if err != nil {
		return nil, err
	}
	return []byte(fmt.Sprintf("ok cost=%d", cost)), nil
}

type certFactsReq struct {
	Cert string `json:"cert"`
	Key  string `json:"key"`
	CA   string `json:"ca"`
}

func parsePEMCert(s string) (*x509.Certificate, error) {
	b, _ := pem.Decode([]byte(s))
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, errors.New("oracle: no CERTIFICATE PEM")
	}
	return x509.ParseCertificate(b.Bytes)
}

func certFacts(r certFactsReq) ([]byte, error) {
	c, err := parsePEMCert(r.Cert)
	if err != nil {
		return nil, err
	}
	parent := c
	if r.CA != "" {
		if parent, err = parsePEMCert(r.CA); err != nil {
			return nil, err
		}
	}
	var ips []string
	for _, ip := range c.IPAddresses {
		ips = append(ips, ip.String())
	}
	var ekus []int
	for _, e := range c.ExtKeyUsage {
		ekus = append(ekus, int(e))
	}
	var critical []string
	var extOrder []string
	for _, e := range c.Extensions {
		extOrder = append(extOrder, e.Id.String())
		if e.Critical {
			critical = append(critical, e.Id.String())
		}
	}
	spki := c.RawSubjectPublicKeyInfo
	var pkInfo struct {
		Algo      asn1.RawValue
		PublicKey asn1.BitString
	}
	skiMethod := "none"
	if _, err := asn1.Unmarshal(spki, &pkInfo); err == nil && len(c.SubjectKeyId) > 0 {
		s1 := sha1.Sum(pkInfo.PublicKey.Bytes)
		s2 := sha256.Sum256(pkInfo.PublicKey.Bytes)
		switch {
		case bytes.Equal(c.SubjectKeyId, s1[:]):
			skiMethod = "sha1"
		case bytes.Equal(c.SubjectKeyId, s2[:20]):
			skiMethod = "sha256-160"
		default:
			skiMethod = "other"
		}
	}
	keyMatches := ""
	if r.Key != "" {
		if _, err := tls.X509KeyPair([]byte(r.Cert), []byte(r.Key)); err != nil {
			keyMatches = err.Error()
		} else {
			keyMatches = "ok"
		}
	}
	sigErr := "ok"
	// CheckSignature, not CheckSignatureFrom: a self-signed leaf is not a CA but still signs itself.
	if err := parent.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature); err != nil {
		sigErr = err.Error()
	}
	facts := map[string]any{
		"version":          c.Version,
		"serialBits":       c.SerialNumber.BitLen(),
		"serialSign":       c.SerialNumber.Sign(),
		"subject":          c.Subject.String(),
		"issuer":           c.Issuer.String(),
		"rawSubjectHex":    hex.EncodeToString(c.RawSubject),
		"rawIssuerHex":     hex.EncodeToString(c.RawIssuer),
		"validitySeconds":  int64(c.NotAfter.Sub(c.NotBefore).Seconds()),
		"notBeforeUnix":    c.NotBefore.Unix(),
		"isCA":             c.IsCA,
		"basicConstraints": c.BasicConstraintsValid,
		"maxPathLen":       c.MaxPathLen,
		"maxPathLenZero":   c.MaxPathLenZero,
		"keyUsage":         int(c.KeyUsage),
		"extKeyUsage":      ekus,
		"dnsNames":         c.DNSNames,
		"ips":              ips,
		"skiLen":           len(c.SubjectKeyId),
		"skiMethod":        skiMethod,
		"akiHex":           hex.EncodeToString(c.AuthorityKeyId),
		"parentSkiHex":     hex.EncodeToString(parent.SubjectKeyId),
		"sigAlg":           c.SignatureAlgorithm.String(),
		"pubAlg":           c.PublicKeyAlgorithm.String(),
		"extOrder":         extOrder,
		"critical":         critical,
		"signedByParent":   sigErr,
		"keyMatches":       keyMatches,
	}
	return json.Marshal(facts)
}
