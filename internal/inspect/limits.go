package inspect

// Limits bound the work and memory one request may cost. A zero (or
// negative) field takes its default; the defaults are those of
// DefaultLimits.
type Limits struct {
	// MaxDepth is the deepest nesting of JSON arrays and objects, or of XML
	// elements, counting the outermost as 1. Default 32.
	MaxDepth int
	// MaxKeys is the most members one JSON object may have. Default 1000.
	MaxKeys int
	// MaxArrayLen is the most elements one JSON array may have. Default
	// 10000.
	MaxArrayLen int
	// MaxStringLen is the longest JSON string or object key, in bytes after
	// unescaping. Default 1 MiB.
	MaxStringLen int
	// MaxNumberLen is the longest JSON number, in characters. Default 64:
	// enough for any float64 or int64 in any notation, far too little to
	// make an upstream's big-number parser work for seconds.
	MaxNumberLen int
	// MaxInputs is the most inputs Extract reports for one request, across
	// all sources. Default 10000.
	MaxInputs int
	// MaxPathLen is the longest JSON pointer (escaped) or XML path, in
	// bytes, of any value in a body. Default 1024. Every reported input
	// carries its pointer, so without this bound a long key above many
	// small values would cost memory quadratic in the body's size.
	MaxPathLen int
}

// DefaultLimits returns the default limits: MaxDepth 32, MaxKeys 1000,
// MaxArrayLen 10000, MaxStringLen 1 MiB, MaxNumberLen 64, MaxInputs 10000,
// MaxPathLen 1024.
func DefaultLimits() Limits {
	return Limits{
		MaxDepth:     32,
		MaxKeys:      1000,
		MaxArrayLen:  10000,
		MaxStringLen: 1 << 20,
		MaxNumberLen: 64,
		MaxInputs:    10000,
		MaxPathLen:   1024,
	}
}

// resolved returns l with every unset field replaced by its default.
func (l Limits) resolved() Limits {
	d := DefaultLimits()
	orDefault(&l.MaxDepth, d.MaxDepth)
	orDefault(&l.MaxKeys, d.MaxKeys)
	orDefault(&l.MaxArrayLen, d.MaxArrayLen)
	orDefault(&l.MaxStringLen, d.MaxStringLen)
	orDefault(&l.MaxNumberLen, d.MaxNumberLen)
	orDefault(&l.MaxInputs, d.MaxInputs)
	orDefault(&l.MaxPathLen, d.MaxPathLen)
	return l
}

func orDefault(v *int, d int) {
	if *v <= 0 {
		*v = d
	}
}
