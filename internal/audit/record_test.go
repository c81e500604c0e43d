package audit

import (
	"bytes"
	"strings"
	"testing"
)

func TestRecordFormRoundTrip(t *testing.T) {
	var zero [32]byte
	line := forgeRecord(7, KindAdmin, []byte(`{"action":"ban","fields":{"mac":"x","z":"\"mac\":\""}}`), zero, "k1", testHMACKey)
	p, err := parseLine(line)
	if err != nil {
		t.Fatalf("parseLine: %v", err)
	}
	if p.rec.Seq != 7 || p.rec.Kind != KindAdmin || p.rec.Kid != "k1" || p.rec.Prev != genesisHash {
		t.Fatalf("parsed %+v", p.rec)
	}
	if !p.macValid(newMAC(testHMACKey), line) || p.macValid(newMAC(testHMACKey2), line) {
		t.Fatal("MAC check wrong")
	}
	if !strings.HasPrefix(string(line), `{"seq":7,"time":"2026-01-02T03:04:05Z","kind":"admin","data":{`) || !strings.HasSuffix(string(line), `"}`) {
		t.Fatalf("line = %s", line)
	}
}

// TestParseLineRejectsNonCanonicalForms: the bytes the MAC covers are the
// bytes verify and show interpret; anything else is not a record.
func TestParseLineRejectsNonCanonicalForms(t *testing.T) {
	prev := [32]byte{0xab, 0xcd}
	good := string(forgeRecord(7, KindAdmin, []byte(`{"action":"ban"}`), prev, "k1", testHMACKey))
	tests := map[string]string{
		"space after colon":  strings.Replace(good, `"seq":7`, `"seq": 7`, 1),
		"duplicate seq":      strings.Replace(good, `{"seq":7,`, `{"seq":7,"seq":8,`, 1),
		"upper-case field":   strings.Replace(good, `"seq"`, `"SEQ"`, 1),
		"unknown field":      strings.Replace(good, `"kid":`, `"x":1,"kid":`, 1),
		"upper-case prev":    strings.Replace(good, `"prev":"abcd`, `"prev":"ABCD`, 1),
		"local time":         strings.Replace(good, `05Z"`, `05+02:00"`, 1),
		"leading zero seq":   strings.Replace(good, `"seq":7`, `"seq":07`, 1),
		"bad kind":           strings.Replace(good, `"admin"`, `"Admin"`, 1),
		"no mac":             good[:strings.LastIndex(good, `,"mac"`)] + "}",
		"short mac":          good[:len(good)-4] + `"}`,
		"trailing space":     good + " ",
		"fields reordered":   strings.Replace(good, `"kind":"admin","data":{"action":"ban"}`, `"data":{"action":"ban"},"kind":"admin"`, 1),
		"negative seq":       strings.Replace(good, `"seq":7`, `"seq":-7`, 1),
		"kid needing escape": strings.Replace(good, `"kid":"k1"`, `"kid":"k\u0031"`, 1),
	}
	for name, line := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := parseLine([]byte(line)); err == nil {
				t.Fatalf("accepted %s", line)
			}
		})
	}
	if _, err := parseLine(bytes.Repeat([]byte("x"), maxLineBytes+1)); err == nil {
		t.Fatal("accepted an over-long line")
	}
}
