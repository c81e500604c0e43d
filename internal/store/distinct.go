package store

import (
	"context"
	"hash/maphash"
	"math"
	"math/bits"
	"slices"
	"time"
)

// A distinct set is exact up to exactMembers members (sorted 64-bit member
// hashes, at most 4 KB), then a HyperLogLog with 2^hllPrecision one-byte
// registers (4 KB, standard error 1.04/sqrt(4096) = 1.6%). The estimate
// is Ertl's improved raw estimator ("New cardinality estimation algorithms
// for HyperLogLog sketches", 2017), which needs no bias tables and stays
// unbiased from tens to billions of members.
const (
	exactMembers = 512
	hllPrecision = 12
	hllRegisters = 1 << hllPrecision
	hllMaxRank   = 64 - hllPrecision + 1
)

// distinctSet counts the distinct members of one key in one window.
type distinctSet struct {
	start int64    // window start, Unix nanoseconds
	exact []uint64 // sorted member hashes; nil once regs is in use
	regs  []uint8  // HyperLogLog registers
	// estimate caches count() while the registers are unchanged: most adds
	// to a large set change no register.
	estimate int64
	fresh    bool
}

func (d *distinctSet) add(h uint64) {
	if d.regs == nil {
		i, found := slices.BinarySearch(d.exact, h)
		if found {
			return
		}
		if len(d.exact) < exactMembers {
			d.exact = slices.Insert(d.exact, i, h)
			return
		}
		d.regs = make([]uint8, hllRegisters)
		for _, old := range d.exact {
			d.addHLL(old)
		}
		d.exact = nil
	}
	d.addHLL(h)
}

func (d *distinctSet) addHLL(h uint64) {
	idx := h >> (64 - hllPrecision)
	rank := uint8(bits.LeadingZeros64(h<<hllPrecision|1<<(hllPrecision-1)) + 1)
	if rank > d.regs[idx] {
		d.regs[idx] = rank
		d.fresh = false
	}
}

func (d *distinctSet) count() int64 {
	if d.regs == nil {
		return int64(len(d.exact))
	}
	if !d.fresh {
		d.estimate, d.fresh = hllEstimate(d.regs), true
	}
	return d.estimate
}

func hllEstimate(regs []uint8) int64 {
	var hist [hllMaxRank + 2]int
	for _, r := range regs {
		hist[r]++
	}
	const m = float64(hllRegisters)
	z := m * hllTau(1-float64(hist[hllMaxRank])/m)
	for k := hllMaxRank - 1; k >= 1; k-- {
		z = 0.5 * (z + float64(hist[k]))
	}
	z += m * hllSigma(float64(hist[0])/m)
	return int64(math.Round(m * m / (2 * math.Ln2 * z)))
}

// hllSigma and hllTau are the series of Ertl's estimator (section 4).
func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		prev := z
		z += x * y
		y += y
		if z == prev {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		z -= (1 - x) * (1 - x) * y
		if z == prev {
			return z / 3
		}
	}
}

// AddDistinct records member under key in the current window (aligned to
// multiples of window since the epoch) and returns the distinct count:
// exact up to 512 members, then within a few percent.
func (m *Memory) AddDistinct(_ context.Context, key, member string, window time.Duration) (int64, error) {
	if err := CheckDuration("window", window); err != nil {
		return 0, err
	}
	h := m.hash(key)
	mh := maphash.String(m.seed, member)
	s := m.distinct.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := m.now().UnixNano()
	start := now - now%int64(window)
	e, ok := s.get(h, now)
	if !ok || e.val.start != start {
		e = slot[*distinctSet]{exp: start + int64(window), val: &distinctSet{start: start}}
		s.put(h, e, now, m.distinct.perShard)
	}
	e.val.add(mh)
	return e.val.count(), nil
}
