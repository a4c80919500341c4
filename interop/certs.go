package interop

import (
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"errors"
	"os"
)

// The test certificates are grpc-go's (google.golang.org/grpc/testdata),
// copied so that the module is self-contained: server1.pem is valid for
// *.test.google.fr among others, and ca.pem signed it. grpc-go's interop
// client and server use the same files, so either side can talk to the
// other with --use_tls --use_test_ca --server_host_override=foo.test.google.fr.
var (
	//go:embed testdata/server1.pem
	server1Cert []byte
	//go:embed testdata/server1.key
	server1Key []byte
	//go:embed testdata/ca.pem
	testCA []byte
)

// ServerTLSConfig returns the server's TLS configuration: the certificate
// and key in certFile and keyFile, or the embedded test pair when both are
// empty.
func ServerTLSConfig(certFile, keyFile string) (*tls.Config, error) {
	certPEM, keyPEM := server1Cert, server1Key
	if certFile != "" || keyFile != "" {
		if certFile == "" || keyFile == "" {
			return nil, errors.New("--tls_cert_file and --tls_key_file go together")
		}
		var err error
		if certPEM, err = os.ReadFile(certFile); err != nil {
			return nil, err
		}
		if keyPEM, err = os.ReadFile(keyFile); err != nil {
			return nil, err
		}
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}}, nil
}

// ClientTLSConfig returns the client's TLS configuration. With useTestCA
// the embedded test CA (or caFile's, when set) is the only root;
// serverName, when set, is the name the server's certificate must carry.
func ClientTLSConfig(useTestCA bool, caFile, serverName string) (*tls.Config, error) {
	conf := &tls.Config{ServerName: serverName, NextProtos: []string{"h2"}}
	if useTestCA {
		pem := testCA
		if caFile != "" {
			var err error
			if pem, err = os.ReadFile(caFile); err != nil {
				return nil, err
			}
		}
		conf.RootCAs = x509.NewCertPool()
		if !conf.RootCAs.AppendCertsFromPEM(pem) {
			return nil, errors.New("no certificate found in the test CA file")
		}
	}
	return conf, nil
}
