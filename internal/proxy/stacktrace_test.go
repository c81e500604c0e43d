package proxy

import (
	"bytes"
	"testing"
)

var stackTraceCases = []struct {
	name string
	body string
	want bool
}{
	{"go panic", goPanic, true},
	{"go goroutine header only", "goroutine 1 [running]:\nmain.main()", true},
	{"go file line", `{"error":"handler failed at /srv/app/orders.go:118"}`, true},
	{"go runtime error in json", `{"error":"runtime error: index out of range [3] with length 2"}`, true},
	{"go panic in json string", `{"msg":"panic: boom"}`, true},
	{"java", "java.lang.NullPointerException\n\tat com.foo.Bar.baz(Bar.java:12)\n\tat com.foo.Main.main(Main.java:5)", true},
	{"java thread", "Exception in thread \"main\" java.lang.IllegalStateException", true},
	{"java frame without source", "java.lang.Error: x\n\tat sun.misc.Unsafe.park(Native Method)", true},
	{"python", "Traceback (most recent call last):\n  File \"/app/main.py\", line 12, in <module>\nKeyError: 'id'", true},
	{"python file line only", `  File "/app/views.py", line 88, in get`, true},
	{".net with source", "System.NullReferenceException: Object reference not set\n   at Shop.Orders.Get(Int32 id) in C:\\src\\Orders.cs:line 42", true},
	{".net without source", "System.InvalidOperationException: boom\n   at Shop.Orders.Get(Int32 id)\n", true},
	{".net async", "--- End of stack trace from previous location ---", true},
	{"php", "PHP Fatal error:  Uncaught Exception: nope in /var/www/index.php:14\nStack trace:\n#0 {main}", true},
	{"php on line", "Warning: mysqli_connect(): in /var/www/db.php on line 7", true},
	{"node", "TypeError: Cannot read properties of undefined (reading 'id')\n    at Object.<anonymous> (/app/index.js:1:2)", true},
	{"node anonymous frame", "Error: x\n    at /app/server.mjs:10:5", true},
	{"ruby", "app/models/order.rb:12:in `total': undefined method", true},
	{"sqlite", "SQL logic error: near \"'\": syntax error (1)", true},
	{"sqlite near", "syntax error near \"FROM\"", true},
	{"postgres", `pq: syntax error at or near "'" (SQLSTATE 42601)`, true},
	{"mysql", "Error 1064: You have an error in your SQL syntax; check the manual", true},
	{"oracle", "ORA-01756: quoted string not properly terminated", true},
	{"jdbc", "java.sql.SQLException: ORA-00933", true},

	{"empty", "", false},
	{"plain json error", `{"error":"order 7 not found","code":"not_found"}`, false},
	{"html error page", "<html><body><h1>500 Internal Server Error</h1></body></html>", false},
	{"prose with at", "The service is down; look at status.example.com (maintenance).", false},
	{"version numbers", `{"version":"1.go:beta","file":"report.go"}`, false},
	{"word goroutine", "too many goroutines were started", false},
	{"panic mid-sentence", "do not panic: we are on it", false},
	{"at without dot", "\n   at noon (UTC)", false},
	{"sql word", "the SQL database is unavailable", false},
}

func TestLooksLikeStackTrace(t *testing.T) {
	for _, tt := range stackTraceCases {
		t.Run(tt.name, func(t *testing.T) {
			if got := looksLikeStackTrace([]byte(tt.body)); got != tt.want {
				t.Errorf("looksLikeStackTrace(%q) = %v, want %v", tt.body, got, tt.want)
			}
		})
	}
}

func TestLooksLikeStackTraceDoesNotAllocate(t *testing.T) {
	clean := bytes.Repeat([]byte(`{"error":"order not found at warehouse 7"} `), 1500) // ~64 KiB
	trace := []byte(goPanic)
	allocs := testing.AllocsPerRun(50, func() {
		looksLikeStackTrace(clean)
		looksLikeStackTrace(trace)
	})
	if allocs != 0 {
		t.Fatalf("allocations per run = %v, want 0", allocs)
	}
}

// FuzzLooksLikeStackTrace checks the detector never panics and that a match
// is never undone by what follows it (a trace stays a trace when more of the
// body arrives).
func FuzzLooksLikeStackTrace(f *testing.F) {
	for _, tt := range stackTraceCases {
		f.Add([]byte(tt.body), []byte("\ntrailing"))
	}
	f.Add([]byte("goroutine "), []byte("1 ["))
	f.Add([]byte("\n\tat a."), []byte("b("))
	f.Add([]byte("x.go:"), []byte("9"))
	f.Fuzz(func(t *testing.T, body, more []byte) {
		got := looksLikeStackTrace(body)
		if got && !looksLikeStackTrace(append(body[:len(body):len(body)], more...)) {
			t.Fatalf("match on %q lost after appending %q", body, more)
		}
	})
}

func BenchmarkLooksLikeStackTrace(b *testing.B) {
	body := bytes.Repeat([]byte(`{"error":"order not found at warehouse 7"} `), 1500)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		looksLikeStackTrace(body)
	}
}
