package injection

import (
	"strings"
	"testing"
)

// normCase is one row of a normaliser's table test.
type normCase struct {
	name    string
	in      string
	want    string
	changed bool
}

func runNorm(t *testing.T, fn func([]byte, string) ([]byte, bool), cases []normCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, changed := fn(nil, c.in)
			if string(out) != c.want || changed != c.changed {
				t.Errorf("(%q) = %q, %v; want %q, %v", c.in, out, changed, c.want, c.changed)
			}
			// Appending: an existing prefix in dst is kept.
			out, _ = fn([]byte("p:"), c.in)
			if string(out) != "p:"+c.want {
				t.Errorf("with prefix: %q, want %q", out, "p:"+c.want)
			}
		})
	}
}

func TestDecodeURL(t *testing.T) {
	runNorm(t, decodeURL, []normCase{
		{"quote", "%27%20or%201%3D1", "' or 1=1", true},
		{"plus", "1+or+1", "1 or 1", true},
		{"double layer, one round", "%2527", "%27", true},
		{"iis unicode", "%u003cscript", "<script", true},
		{"lower-case hex", "%2e%2E", "..", true},
		{"malformed kept", "100% %zz %4", "100% %zz %4", false},
		{"plain", "hello", "hello", false},
		{"utf-8 bytes", "%C3%A9", "é", true},
	})
}

func TestDecodeOverlong(t *testing.T) {
	runNorm(t, decodeOverlong, []normCase{
		{"two byte slash", "..\xc0\xaf", "../", true},
		{"two byte dot", "\xc0\xae\xc0\xae/", "../", true},
		{"three byte dot", "\xe0\x80\xae\xe0\x80\xae\xe0\x80\xaf", "../", true},
		{"four byte", "\xf0\x80\x80\xaf", "/", true},
		{"overlong nul", "a\xc0\x80b", "a\x00b", true},
		{"valid utf-8 kept", "é日本", "é日本", false},
		{"truncated kept", "a\xc0", "a\xc0", false},
	})
}

func TestDecodeHTMLEntities(t *testing.T) {
	runNorm(t, decodeHTMLEntities, []normCase{
		{"named", "&lt;script&gt;", "<script>", true},
		{"decimal", "&#60;&#x3C;&#X3c;", "<<<", true},
		{"leading zeros, no semicolon", "&#0000106avascript", "javascript", true},
		{"named subset", "javascript&colon;alert&lpar;1&rpar;", "javascript:alert(1)", true},
		{"case-insensitive names", "&Tab;&NewLine;", "\t\n", true},
		{"legacy without semicolon", "&ltscript&gt", "<script>", true},
		{"invalid code point", "&#0;&#xD800;&#1114112;", "\uFFFD\uFFFD\uFFFD", true},
		{"unknown name kept", "AT&T &foo; &", "AT&T &foo; &", false},
		{"no digits kept", "&#; &#x;", "&#; &#x;", false},
		{"huge number", "&#99999999999;", "\uFFFD", true},
	})
}

func TestDecodeJSEscapes(t *testing.T) {
	runNorm(t, decodeJSEscapes, []normCase{
		{"hex", `\x3cscript\x3e`, "<script>", true},
		{"unicode", `\u0027 or 1=1`, "' or 1=1", true},
		{"code point", `\u{6a}avascript`, "javascript", true},
		{"surrogate pair", `\uD83D\uDE00`, "😀", true},
		{"lone surrogate", `\uD83D!`, "\uFFFD!", true},
		{"octal", `\74script\076`, "<script>", true},
		{"octal bound", `\400`, " 0", true},
		{"windows path kept", `C:\Windows\temp`, `C:\Windows\temp`, false},
		{"trailing backslash", `a\`, `a\`, false},
		{"bad hex kept", `\xzz \u12`, `\xzz \u12`, false},
	})
}

func TestRemoveNUL(t *testing.T) {
	runNorm(t, removeNUL, []normCase{
		{"inside tag", "<scr\x00ipt>", "<script>", true},
		{"scheme", "java\x00script:", "javascript:", true},
		{"none", "plain", "plain", false},
	})
}

func TestStripSQLComments(t *testing.T) {
	runNorm(t, stripSQLComments, []normCase{
		{"inline", "UNION/**/SELECT", "UNION SELECT", true},
		{"executable", "/*!50000UNION*/ /*!SELECT*/ 1", " UNION   SELECT  1", true},
		{"executable glued", "x/*!UNION*/", "x UNION ", true},
		{"dash dash", "1 or 1=1-- rest", "1 or 1=1", true},
		{"dash dash at end", "admin'--", "admin'", true},
		{"hash to line end", "1 #x\nand 2", "1 \nand 2", true},
		{"unterminated", "1 /* open", "1  ", true},
		{"dashes without space kept", "a--b", "a--b", false},
		{"plain", "select 1", "select 1", false},
	})
}

func TestFoldText(t *testing.T) {
	runNorm(t, foldText, []normCase{
		{"case", "UnIoN SeLeCt", "union select", true},
		{"whitespace runs", "union \t\n select", "union select", true},
		{"tab alone", "a\tb", "a b", true},
		{"non-ascii kept", "ÉTÉ été", "ÉtÉ été", true},
		{"already folded", "union select", "union select", false},
	})
}

func TestDecodeBase64(t *testing.T) {
	runNorm(t, decodeBase64, []normCase{
		{"padded", "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "<script>alert(1)</script>", true},
		{"unpadded", "JyBvciAxPTEgLS0gYWJj", "' or 1=1 -- abc", true},
		{"url-safe", "Li4vLi4vZXRjL3Bhc3N3ZD8_", "../../etc/passwd??", true},
		{"short", "YWJj", "", false},
		{"binary", "AAECAwQFBgcICQoLDA0ODw==", "", false},
		{"word", "Supercalifragilisticexpialidocious", "", false},
		{"hex token", "d41d8cd98f00b204e9800998ecf8427e", "", false},
		{"mixed alphabets", "ab+c-def/ghij_klmn", "", false},
		{"padding inside", "YWJj=ZGVmZ2hpamtsbW5v", "", false},
	})
}

// TestVariantsReveal shows each normalisation revealing an attack its
// input hides, through the engine, with the variant named in the match.
func TestVariantsReveal(t *testing.T) {
	e := engineAt(t, Medium)
	for _, c := range []struct {
		name, value, rule, variant string
	}{
		{"url", "%3Cscript%3Ealert(1)%3C/script%3E", "xss", "url-decoded"},
		{"url twice", "%252e%252e%252f%252e%252e%252fsecret", "traversal", "url-decoded×2"},
		{"url three times", "%25252e%25252e%25252fx", "traversal", "url-decoded×3"},
		{"overlong", "%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afx", "traversal", "url-decoded+overlong-utf8"},
		{"html entities", "&lt;script&gt;alert(1)&lt;/script&gt;", "xss", "html-entities"},
		{"js escapes", `\x3cscript\x3ealert(1)\x3c/script\x3e`, "xss", "js-escapes"},
		{"null bytes", "java\x00script:alert(1)", "xss", "null-bytes"},
		{"sql comments", "great product union -- x\nselect password from users", "sqli", "sql-comments"},
		{"base64", "eyJ1c2VyIjp7IiRuZSI6bnVsbH19IHt7Nyo3fX0=", "ssti", "base64"},
		{"case and whitespace", "great UnIoN\t\n  SeLeCt @@version", "sqli", "raw"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ms := e.Scan(c.value, Query, nil)
			for _, m := range ms {
				if m.Rule.ID == c.rule && (c.variant == "" || m.Variant == c.variant) {
					return
				}
			}
			t.Errorf("Scan(%q): no %s match in variant %q: %s", c.value, c.rule, c.variant, describe(ms))
		})
	}
}

func TestVariantsFastPath(t *testing.T) {
	sc := new(scratch)
	for _, v := range []string{"hello", "Hello World", "a-b_c.d", "page2sortcreated"} {
		vars := sc.variants(v)
		if len(vars) != 1 || vars[0].text != v || vars[0].steps != 0 {
			t.Errorf("variants(%q) = %d variants, want the raw one only", v, len(vars))
		}
	}
	vars := sc.variants("Hello World")
	if vars[0].fold != "hello world" {
		t.Errorf("fold = %q", vars[0].fold)
	}
}

func TestVariantLabels(t *testing.T) {
	for _, c := range []struct {
		v    variant
		want string
	}{
		{variant{}, "raw"},
		{variant{steps: stepURL, urlRounds: 1}, "url-decoded"},
		{variant{steps: stepURL | stepHTML, urlRounds: 2}, "url-decoded×2+html-entities"},
		{variant{steps: stepBase64}, "base64"},
		{variant{steps: stepURL | stepNUL | stepSQLComments, urlRounds: 1}, "url-decoded+null-bytes+sql-comments"},
	} {
		if got := c.v.label(); got != c.want {
			t.Errorf("label(%b) = %q, want %q", c.v.steps, got, c.want)
		}
	}
}

// fuzzNormaliser checks a normaliser on any input: no panic, output no
// longer than maxRatio × input plus what was already in dst, dst's prefix
// kept, and changed false only when the output equals the input (for
// normalisers that copy unchanged input).
func fuzzNormaliser(f *testing.F, fn func([]byte, string) ([]byte, bool), maxRatio float64, copiesUnchanged bool, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, changed := fn([]byte("pre"), in)
		if !strings.HasPrefix(string(out), "pre") {
			t.Fatalf("prefix lost: %q", out)
		}
		body := out[3:]
		if float64(len(body)) > maxRatio*float64(len(in)) {
			t.Fatalf("output %d bytes for %d-byte input", len(body), len(in))
		}
		if copiesUnchanged && !changed && string(body) != in {
			t.Fatalf("unchanged but %q != %q", body, in)
		}
	})
}

func FuzzDecodeURL(f *testing.F) {
	fuzzNormaliser(f, decodeURL, 1, true, "%27", "%u0027", "%", "%2", "+", "%%%", "%252e")
}

func FuzzDecodeOverlong(f *testing.F) {
	fuzzNormaliser(f, decodeOverlong, 1, true, "\xc0\xaf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf", "\xc0", "é")
}

func FuzzDecodeHTMLEntities(f *testing.F) {
	fuzzNormaliser(f, decodeHTMLEntities, 1, true, "&lt;", "&#60;", "&#x3c", "&#0000000060", "&", "&colon", "&#99999999;")
}

func FuzzDecodeJSEscapes(f *testing.F) {
	fuzzNormaliser(f, decodeJSEscapes, 1, true, `\x3c`, `\u003c`, `\u{3c}`, `\uD83D\uDE00`, `\777`, `\`)
}

func FuzzRemoveNUL(f *testing.F) {
	fuzzNormaliser(f, removeNUL, 1, true, "a\x00b", "\x00")
}

func FuzzStripSQLComments(f *testing.F) {
	fuzzNormaliser(f, stripSQLComments, 1, true, "/**/", "/*!50000x*/", "-- x", "#x\ny", "/*", "*/")
}

func FuzzFoldText(f *testing.F) {
	fuzzNormaliser(f, foldText, 1, true, "A  B", "\t\n", "ÉA")
}

func FuzzDecodeBase64(f *testing.F) {
	fuzzNormaliser(f, decodeBase64, 0.75, false, "PHNjcmlwdD4=", "YWJjZGVmZ2hpamtsbW5vcA", "====", "a-b_c")
}

// FuzzVariants checks the whole normalisation: at most maxVariants
// variants, none longer than the value, every text valid for detectors.
func FuzzVariants(f *testing.F) {
	for _, s := range []string{"%252e%252e%252f", "&lt;x&gt;", `\x3c`, "a\x00b", "1/**/union", "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "Hello World"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		sc := new(scratch)
		vars := sc.variants(value)
		if len(vars) == 0 || len(vars) > maxVariants || vars[0].text != value {
			t.Fatalf("%d variants, first %q", len(vars), vars[0].text)
		}
		for _, v := range vars {
			if len(v.text) > len(value) || len(v.fold) > len(v.text) {
				t.Fatalf("variant %q (fold %q) of %q grew", v.text, v.fold, value)
			}
			if v.mask != classify(v.text) {
				t.Fatalf("stale mask for %q", v.text)
			}
		}
	})
}
