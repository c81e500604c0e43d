package recon

import (
	"net/http"
	"regexp"
	"strings"
)

// Banner is one response header that names the server's software.
type Banner struct {
	Header    string
	Value     string
	Versioned bool // the value carries a version number: worse, it maps to CVEs
}

// bannerHeaders name software or internals by design.
var bannerHeaders = []string{"Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version", "X-Generator", "X-Backend-Server", "X-Server"}

var versionNumber = regexp.MustCompile(`[0-9]+\.[0-9]+`)

// maxBannerLen bounds a banner value kept for evidence.
const maxBannerLen = 200

// Banners lists the fingerprinting headers of a response.
func Banners(h http.Header) []Banner {
	var out []Banner
	for _, name := range bannerHeaders {
		v := strings.TrimSpace(h.Get(name))
		if v == "" {
			continue
		}
		if len(v) > maxBannerLen {
			v = v[:maxBannerLen]
		}
		out = append(out, Banner{Header: name, Value: v, Versioned: versionNumber.MatchString(v)})
	}
	return out
}

// framework recognises a stack by its default error page or parser message.
type framework struct {
	name string
	re   *regexp.Regexp
}

// frameworks are default error texts of common stacks: what their 404 and
// their JSON parser say when nobody replaced them. Parser messages are
// internal error text sent to the client (CWE-209's little sibling).
var frameworks = []framework{
	{"Spring Boot", regexp.MustCompile(`Whitelabel Error Page`)},
	{"Jackson (Java)", regexp.MustCompile(`JSON parse error: |com\.fasterxml\.jackson`)},
	{"Express (Node.js)", regexp.MustCompile(`<pre>Cannot (?:GET|POST|PUT|DELETE|PATCH) /[^<]*</pre>`)},
	{"Node.js JSON parser", regexp.MustCompile(`Unexpected token .{1,8}(?: in JSON at position [0-9]+|, ".{0,64}" is not valid JSON)|Unexpected end of JSON input`)},
	{"nginx", regexp.MustCompile(`<center>nginx(?:/[0-9.]+)?</center>`)},
	{"Apache httpd", regexp.MustCompile(`<address>Apache(?:/[0-9.]+)?[^<]* Server at `)},
	{"Apache Tomcat", regexp.MustCompile(`Apache Tomcat/[0-9.]+`)},
	{"Jetty", regexp.MustCompile(`Powered by Jetty://`)},
	{"Microsoft IIS", regexp.MustCompile(`Microsoft-IIS/[0-9.]+|<title>IIS [0-9.]+ Detailed Error`)},
	{"Go net/http", regexp.MustCompile(`\A404 page not found\n?\z`)},
	{"Go encoding/json", regexp.MustCompile(`invalid character '.{1,4}' (?:looking for|after|in) |json: cannot unmarshal \w+ into Go (?:value|struct field)`)},
	{"Python json", regexp.MustCompile(`Expecting (?:property name enclosed in double quotes|value|',' delimiter): line [0-9]+ column [0-9]+`)},
	{"ASP.NET Core", regexp.MustCompile(`The JSON value could not be converted to|is an invalid start of a (?:property name|value)\. Path: `)},
	{"Ruby on Rails", regexp.MustCompile(`The page you were looking for doesn't exist\.`)},
	{"Django", regexp.MustCompile(`<h1>Not Found</h1><p>The requested resource was not found on this server\.</p>`)},
	{"Flask/Werkzeug", regexp.MustCompile(`The requested URL was not found on the server\. If you entered the URL manually`)},
	{"Laravel", regexp.MustCompile(`laravel_session|Illuminate\\`)},
	{"ASP.NET", regexp.MustCompile(`X-AspNet-Version|__VIEWSTATE|ASP\.NET is configured`)},
}

// maxFrameworkScan bounds the body scanned: default error pages are short.
const maxFrameworkScan = 64 << 10

// Frameworks names the stacks whose default error text is in body.
func Frameworks(body []byte) []string {
	if len(body) > maxFrameworkScan {
		body = body[:maxFrameworkScan]
	}
	var out []string
	for _, f := range frameworks {
		if f.re.Match(body) {
			out = append(out, f.name)
		}
	}
	return out
}
