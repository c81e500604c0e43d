package authn

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var requestIDField = regexp.MustCompile(`"request_id":"[^"]*"`)

// TestMalformedCredentialsGetTheSameAnswer throws malformed credentials
// of every kind at a route accepting every method: each gets the same 401
// (body, challenge, content type) as a request with no credential at all,
// and none panics (a panic would be a 500).
func TestMalformedCredentialsGetTheSameAnswer(t *testing.T) {
	f := newPolicyFixture(t)
	gw := newGateway(t, mustGuard(t, f.a, Policy{Methods: []Method{MethodAPIKey, MethodJWT, MethodSignature, MethodMTLS}}),
		&tls.Config{ClientAuth: tls.RequestClientCert})
	client := mtlsClient(gw, nil)

	baseline := gw.do(t, client, gw.request(t, http.MethodGet, "/", ""))
	wantDenied(t, baseline, RuleMissing)
	normalise := func(s string) string { return requestIDField.ReplaceAllString(s, "") }

	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	cases := map[string]map[string]string{
		"bearer without token":      {"Authorization": "Bearer"},
		"bearer one segment":        {"Authorization": "Bearer abc"},
		"bearer empty segments":     {"Authorization": "Bearer ...."},
		"bearer empty json":         {"Authorization": "Bearer e30.e30."},
		"bearer alg array":          {"Authorization": "Bearer " + b64(`{"alg":["ES256"]}`) + "." + b64(`{}`) + ".AA"},
		"bearer alg null":           {"Authorization": "Bearer " + b64(`{"alg":null}`) + "." + b64(`{}`) + ".AA"},
		"bearer header not json":    {"Authorization": "Bearer " + b64(`{"alg":`) + ".e30.AA"},
		"bearer claims array":       {"Authorization": "Bearer " + b64(`{"alg":"ES256","kid":"ec1"}`) + "." + b64(`[1,2]`) + ".AA"},
		"bearer iss number":         {"Authorization": "Bearer " + b64(`{"alg":"ES256","kid":"ec1"}`) + "." + b64(`{"iss":7}`) + ".AA"},
		"bearer padded base64":      {"Authorization": "Bearer e30=.e30=.AA=="},
		"bearer huge":               {"Authorization": "Bearer " + strings.Repeat("eyJ", 5000)},
		"apikey scheme only":        {"Authorization": "ApiKey"},
		"apikey prefix only":        {"X-Api-Key": "rk_"},
		"apikey no secret":          {"X-Api-Key": "rk_partner-a"},
		"apikey empty id":           {"X-Api-Key": "rk__secret"},
		"apikey unicode":            {"X-Api-Key": "rk_ünï_cøde"},
		"signature input empty":     {"Signature-Input": "sig1=", "Signature": "sig1=:AA==:"},
		"signature input open":      {"Signature-Input": "sig1=(", "Signature": "sig1=:AA==:"},
		"signature created text":    {"Signature-Input": `sig1=("@method");created=abc`, "Signature": "sig1=:AA==:"},
		"signature created huge":    {"Signature-Input": `sig1=("@method");created=99999999999999999999`, "Signature": "sig1=:AA==:"},
		"signature without member":  {"Signature-Input": `sig1=("@method");created=1;keyid="partner-a-key"`},
		"signature not bytes":       {"Signature-Input": `sig1=("@method");keyid="partner-a-key"`, "Signature": `sig1="x"`},
		"signature stale":           {"Signature-Input": `sig1=("@method" "@target-uri");created=1;nonce="n";keyid="partner-a-key"`, "Signature": "sig1=:AA==:"},
		"signature bad bytes":       {"Signature-Input": `sig1=("@method" "@target-uri");created=` + itoa(f.clock.Now().Unix()) + `;nonce="n";keyid="partner-a-key"`, "Signature": "sig1=:AAAA:"},
		"signature many components": {"Signature-Input": "sig1=(" + strings.Repeat(`"@method" `, 40) + ")", "Signature": "sig1=:AA==:"},
		"signature repeated comp":   {"Signature-Input": `sig1=("@method" "@method" "@target-uri");created=` + itoa(f.clock.Now().Unix()) + `;nonce="n";keyid="partner-a-key"`, "Signature": "sig1=:AA==:"},
	}
	for name, headers := range cases {
		t.Run(name, func(t *testing.T) {
			req := gw.request(t, http.MethodGet, "/", "")
			for k, v := range headers {
				req.Header.Set(k, v)
			}
			res := gw.do(t, client, req)
			wantDenied(t, res, "")
			if res.rule == RuleMissing {
				t.Errorf("malformed credential treated as absent")
			}
			if normalise(res.body) != normalise(baseline.body) {
				t.Errorf("body differs from the baseline 401:\n%s\n%s", res.body, baseline.body)
			}
			for _, h := range []string{"Www-Authenticate", "Content-Type"} {
				if strings.Join(res.header.Values(h), "|") != strings.Join(baseline.header.Values(h), "|") {
					t.Errorf("%s differs: %q vs %q", h, res.header.Values(h), baseline.header.Values(h))
				}
			}
		})
	}

	t.Run("odd certificates", func(t *testing.T) {
		now := f.clock.Now()
		for name, cert := range map[string]tls.Certificate{
			"self-signed":    newCA(t, "self", now).issue(t, leafOpts{cn: "self"}, now),
			"code signing":   f.ca.issue(t, leafOpts{cn: "x", usage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}, now),
			"empty subject":  f.ca.issue(t, leafOpts{}, now),
			"any usage only": f.ca.issue(t, leafOpts{cn: "y", usage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, now),
		} {
			res := gw.do(t, mtlsClient(gw, &cert), gw.request(t, http.MethodGet, "/", ""))
			wantDenied(t, res, "")
			if normalise(res.body) != normalise(baseline.body) {
				t.Errorf("%s: body differs from the baseline 401", name)
			}
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
