package injection

import (
	"testing"
	"time"
)

func TestDelayed(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	d := 1500 * time.Millisecond
	for _, c := range []struct {
		name       string
		slow, fast []time.Duration
		want       bool
	}{
		{"slow twice, fast controls", ms(1530, 1610), ms(12, 15), true},
		{"one slow sample is not enough", ms(1600), ms(10), false},
		{"the second repeat was fast", ms(1600, 40), ms(10, 12), false},
		{"slightly under the delay", ms(1300, 1700), ms(10), false},
		{"the endpoint is slow anyway", ms(2400, 2500), ms(900, 20), false},
		{"controls nearly as slow as the probes", ms(1400, 1400), ms(740), false},
		{"no control", ms(1600, 1600), nil, false},
		{"zero delay", ms(1600, 1600), ms(10), false},
		{"negative durations", ms(1600, 1600), ms(-5), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dd := d
			if c.name == "zero delay" {
				dd = 0
			}
			if got := delayed(dd, c.slow, c.fast); got != c.want {
				t.Errorf("delayed(%v, %v, %v) = %v, want %v", dd, c.slow, c.fast, got, c.want)
			}
		})
	}
}

// FuzzDelayed: the decision never panics, and never says "delayed" when a
// slow sample is under 90% of the delay or when the controls were slow.
func FuzzDelayed(f *testing.F) {
	f.Add(int64(1500), int64(1600), int64(1700), int64(10), int64(20))
	f.Add(int64(0), int64(0), int64(0), int64(0), int64(0))
	f.Add(int64(-1), int64(5), int64(-7), int64(1<<40), int64(-1<<40))
	f.Fuzz(func(t *testing.T, d, s1, s2, f1, f2 int64) {
		dd := time.Duration(d) * time.Millisecond
		slow := []time.Duration{time.Duration(s1) * time.Millisecond, time.Duration(s2) * time.Millisecond}
		fast := []time.Duration{time.Duration(f1) * time.Millisecond, time.Duration(f2) * time.Millisecond}
		if !delayed(dd, slow, fast) {
			return
		}
		for _, s := range slow {
			if s < dd*9/10 {
				t.Fatalf("delayed with a slow sample %v under 90%% of %v", s, dd)
			}
		}
		for _, x := range fast {
			if x >= dd/2 || x < 0 {
				t.Fatalf("delayed with a control of %v for a delay of %v", x, dd)
			}
		}
	})
}
