// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TLSFiles is a CA made for one test, a server certificate for 127.0.0.1 and
// localhost, and a client certificate, all signed by that CA. The client's
// files are also laid out as DOCKER_CERT_PATH expects (ClientDir holds
// ca.pem, cert.pem and key.pem).
type TLSFiles struct {
	CAFile, ServerCertFile, ServerKeyFile string
	ClientDir                             string
	// PEM text, for the provider's ca_material, cert_material, key_material.
	CAPEM, ClientCertPEM, ClientKeyPEM string
}

// GenerateTLS writes a fresh CA, server and client certificates under dir.
func GenerateTLS(t *testing.T, dir string) TLSFiles {
	t.Helper()
	clientDir := filepath.Join(dir, "client")
	if err := os.MkdirAll(clientDir, 0o700); err != nil {
		t.Fatal(err)
	}
	caKey := newKey(t)
	caTemplate := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "molecule acceptance-test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	issue := func(serial int64, name string, usage x509.ExtKeyUsage, server bool) (certPEM, keyPEM []byte) {
		key := newKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: name},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		}
		if server {
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
			tmpl.DNSNames = []string{"localhost"}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return pemBlock("CERTIFICATE", der), keyPEMOf(t, key)
	}
	serverCert, serverKey := issue(2, "127.0.0.1", x509.ExtKeyUsageServerAuth, true)
	clientCert, clientKey := issue(3, "molecule acceptance-test client", x509.ExtKeyUsageClientAuth, false)
	caPEM := pemBlock("CERTIFICATE", caDER)

	f := TLSFiles{
		CAFile:         filepath.Join(dir, "ca.pem"),
		ServerCertFile: filepath.Join(dir, "server-cert.pem"),
		ServerKeyFile:  filepath.Join(dir, "server-key.pem"),
		ClientDir:      clientDir,
		CAPEM:          string(caPEM),
		ClientCertPEM:  string(clientCert),
		ClientKeyPEM:   string(clientKey),
	}
	for path, data := range map[string][]byte{
		f.CAFile: caPEM, f.ServerCertFile: serverCert, f.ServerKeyFile: serverKey,
		filepath.Join(clientDir, "ca.pem"): caPEM, filepath.Join(clientDir, "cert.pem"): clientCert, filepath.Join(clientDir, "key.pem"): clientKey,
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func keyPEMOf(t *testing.T, key *ecdsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pemBlock("PRIVATE KEY", der)
}

func pemBlock(kind string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}
