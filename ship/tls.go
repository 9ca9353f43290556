package ship

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// tlsFiles are the files of a TLS client: the CA that signs the server's
// certificate, and for mutual TLS the client's certificate and key.
type tlsFiles struct {
	ca, cert, key string
	serverName    string // the name the server's certificate must hold; default the URL's host
}

// config checks the files as of now and returns the client's TLS settings:
// TLS 1.2 or later, the server verified against ca only and for serverName.
// Each refusal says which file and what to do, before any job starts.
func (f tlsFiles) config(now time.Time) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: f.serverName}
	if f.ca == "" {
		return nil, errors.New("no CA file (ca=PATH): the server's certificate must be verified against the CA of your central logging")
	}
	roots, err := readCerts(f.ca, now)
	if err != nil {
		return nil, fmt.Errorf("ca %s: %w", f.ca, err)
	}
	pool := x509.NewCertPool()
	for _, c := range roots {
		pool.AddCert(c)
	}
	cfg.RootCAs = pool
	if (f.cert == "") != (f.key == "") {
		return nil, errors.New("cert= and key= go together: the client certificate and its private key")
	}
	if f.cert == "" {
		return cfg, nil
	}
	if err := checkKeyFile(f.key); err != nil {
		return nil, err
	}
	pair, err := tls.LoadX509KeyPair(f.cert, f.key)
	if err != nil {
		return nil, fmt.Errorf("client certificate %s, key %s: %w", f.cert, f.key, err)
	}
	leaf := pair.Leaf
	if err := checkValidity(leaf, now); err != nil {
		return nil, fmt.Errorf("client certificate %s: %w", f.cert, err)
	}
	if !clientUsage(leaf) {
		return nil, fmt.Errorf("client certificate %s: not for client authentication (its extended key usage lacks clientAuth)", f.cert)
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return nil, fmt.Errorf("client certificate %s: its key usage lacks digitalSignature, which a TLS client needs", f.cert)
	}
	cfg.Certificates = []tls.Certificate{pair}
	return cfg, nil
}

// checkKeyFile refuses a private key its group or others may read.
func checkKeyFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("client key: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("client key %s: mode %#o lets others read it; run 'chmod 600 %s'", path, perm, path)
	}
	return nil
}

// readToken reads a bearer token from a file only its owner may read.
func readToken(path string) (string, error) {
	if fi, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("bearer token: %w", err)
	} else if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("bearer token %s: mode %#o lets others read it; run 'chmod 600 %s'", path, perm, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("bearer token: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" || strings.ContainsAny(tok, "\r\n") {
		return "", fmt.Errorf("bearer token %s: want one line", path)
	}
	return tok, nil
}

func readCerts(path string, now time.Time) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		if err := checkValidity(c, now); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Subject, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM certificate in it")
	}
	return certs, nil
}

func checkValidity(c *x509.Certificate, now time.Time) error {
	if now.After(c.NotAfter) {
		return fmt.Errorf("expired on %s", c.NotAfter.UTC().Format(time.DateOnly))
	}
	if now.Before(c.NotBefore) {
		return fmt.Errorf("not valid before %s", c.NotBefore.UTC().Format(time.RFC3339))
	}
	return nil
}

func clientUsage(c *x509.Certificate) bool {
	if len(c.ExtKeyUsage) == 0 {
		return true // no restriction
	}
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageClientAuth || u == x509.ExtKeyUsageAny {
			return true
		}
	}
	return false
}
