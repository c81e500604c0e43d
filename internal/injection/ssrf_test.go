package injection

import "testing"

func TestSSRF(t *testing.T) {
	runDetectCases(t, "ssrf", []detectCase{
		{"metadata", "http://169.254.169.254/latest/meta-data/", JSONValue, 0, scoreStrong},
		{"metadata name", "http://metadata.google.internal/computeMetadata/v1/", JSONValue, 0, scoreStrong},
		{"metadata ipv6", "http://[fd00:ec2::254]/latest/", JSONValue, 0, scoreStrong},
		{"loopback", "http://127.0.0.1:8080/admin", JSONValue, 0, scoreStrong},
		{"localhost", "https://localhost/admin", JSONValue, 0, scoreStrong},
		{"decimal", "http://2130706433/", Query, 0, scoreStrong},
		{"octal", "http://0177.0.0.1/", Query, 0, scoreStrong},
		{"hex", "http://0x7f.1/", Query, 0, scoreStrong},
		{"hex integer", "http://0x7f000001/", Query, 0, scoreStrong},
		{"short", "http://127.1/", Query, 0, scoreStrong},
		{"ipv6 loopback", "http://[::1]/", Query, 0, scoreStrong},
		{"mapped", "http://[::ffff:127.0.0.1]/", Query, 0, scoreStrong},
		{"mapped hex", "http://[::ffff:7f00:1]/", Query, 0, scoreStrong},
		{"userinfo", "http://trusted.example@127.0.0.1/", Query, 0, scoreStrong},
		{"backslash confusion", `http://trusted.example\@127.0.0.1/`, Query, 0, scoreStrong},
		{"fragment confusion", "http://trusted.example#@169.254.169.254/", Query, 0, scoreStrong},
		{"zero", "http://0/", Query, 0, scoreStrong},
		{"wildcard dns", "http://10.0.0.1.nip.io/", Query, 0, scoreStrong},
		{"localhost subdomain", "http://app.localtest.me/", Query, 0, scoreStrong},
		{"gopher", "gopher://internal:25/_HELO", Query, 0, scoreStrong},
		{"dict", "dict://127.0.0.1:6379/info", Query, 0, scoreStrong},
		{"file", "file:///etc/passwd", Query, 0, scoreStrong},
		{"protocol relative", "//169.254.169.254/latest", Query, 0, scoreStrong},
		{"encoded", "http%3A%2F%2F127.0.0.1%2F", Query, 0, scoreStrong},
		{"private", "http://10.0.0.5/callback", JSONValue, 0, scoreLikely},
		{"private 172", "http://172.16.3.4/", JSONValue, 0, scoreLikely},
		{"loopback in prose", "see http://127.0.0.1:3000/ for the demo", JSONValue, 0, scoreLikely},
		{"bare loopback", "127.0.0.1", JSONValue, 0, scoreLikely},
		{"bare localhost with port", "localhost:6379", JSONValue, 0, scoreLikely},
		{"bare metadata", "169.254.169.254", JSONValue, 0, scoreStrong},
		{"bare obfuscated", "0x7f.0.0.1", Query, 0, scoreLikely},
		{"bare private at high", "10.1.2.3", JSONValue, High, scoreWeak},
		{"header metadata", "http://169.254.169.254/", Header, 0, scoreStrong},
		{"header internal at high", "http://localhost:3000/", Header, High, scoreWeak},
		// Benign.
		{"public url", "https://api.example.com/v1/items?id=3", JSONValue, 0, 0},
		{"public ip url", "http://93.184.216.34/", JSONValue, 0, 0},
		{"referer localhost", "http://localhost:3000/dashboard", Header, 0, 0},
		{"forwarded for", "10.0.0.7, 192.168.1.1", Header, 0, 0},
		{"bare private", "10.1.2.3", JSONValue, 0, 0},
		{"decimal number", "2130706433", Query, 0, 0},
		{"short decimal", "10.5", Query, 0, 0},
		{"word metadata", "metadata", JSONValue, 0, 0},
		{"zero", "0", Query, 0, 0},
		{"email", "admin@localhost.example.com", JSONValue, 0, 0},
		{"version", "1.2.3.4", Query, 0, 0},
	})
}

func TestParseIPv4Loose(t *testing.T) {
	for _, c := range []struct {
		in        string
		want      uint32
		canonical bool
		ok        bool
	}{
		{"127.0.0.1", 0x7F000001, true, true},
		{"127.1", 0x7F000001, false, true},
		{"2130706433", 0x7F000001, false, true},
		{"0x7f000001", 0x7F000001, false, true},
		{"0177.0.0.1", 0x7F000001, false, true},
		{"0x7f.1", 0x7F000001, false, true},
		{"10.0.258", 0x0A000102, false, true},
		{"256.0.0.1", 0, false, false},
		{"1.2.3.4.5", 0, false, false},
		{"1..2", 0, false, false},
		{"08.1.1.1", 0, false, false},
		{"4294967296", 0, false, false},
		{"abc", 0, false, false},
	} {
		got, canonical, ok := parseIPv4Loose(c.in)
		if ok != c.ok || (ok && (got != c.want || canonical != c.canonical)) {
			t.Errorf("parseIPv4Loose(%q) = %#x, %v, %v; want %#x, %v, %v", c.in, got, canonical, ok, c.want, c.canonical, c.ok)
		}
	}
}

func FuzzSSRF(f *testing.F) {
	fuzzDetector(f, &ssrfDetector, "http://127.0.0.1/", "http://a@[::1]:80/", "gopher://x", "0x7f.1", "http://[", "//", "http://x.nip.io", "::ffff:1.2.3.4")
}

func FuzzClassifyHost(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "0x7f.1", "::1", "fd00:ec2::254", "a.nip.io", "1-2-3-4.sslip.io", "7f000001.nip.io", "localhost"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		info := classifyHost(h)
		if info.class > hostMetadata {
			t.Fatalf("class %d", info.class)
		}
	})
}
