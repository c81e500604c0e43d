package exposure

import (
	"fmt"
	"strings"
	"testing"
)

// benchBody is a realistic list answer of about 100 KB: 500 orders.
var benchBody = func() []byte {
	var b strings.Builder
	b.WriteString(`{"orders":[`)
	for i := 0; i < 500; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"user_id":%d,"item_id":7,"amount_cents":129900,"currency":"USD","status":"shipped","card_last4":"1111","created_at":"2024-05-0%dT10:00:00Z","note":"gift wrap please, call 555-0100 before delivery"}`, i, i%7, i%9)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}()

func BenchmarkSensitiveData(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchBody)))
	for b.Loop() {
		_ = SensitiveData(benchBody)
	}
}

func BenchmarkVerboseErrors(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchBody)))
	for b.Loop() {
		_ = VerboseErrors(benchBody)
	}
}
