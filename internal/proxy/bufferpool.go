package proxy

import (
	"net/http/httputil"
	"sync"
)

// copyBufSize is the size of the buffers ReverseProxy copies bodies with.
const copyBufSize = 32 << 10

// The pools store array pointers, not slices: putting a []byte into a
// sync.Pool would allocate a slice header on every Put.

// copyPool is the ReverseProxy's httputil.BufferPool.
type copyPool struct{ pool sync.Pool }

var _ httputil.BufferPool = (*copyPool)(nil)

// Get returns a 32 KiB buffer.
func (p *copyPool) Get() []byte {
	if a, ok := p.pool.Get().(*[copyBufSize]byte); ok {
		return a[:]
	}
	return new([copyBufSize]byte)[:]
}

// Put recycles a buffer from Get.
func (p *copyPool) Put(b []byte) {
	if cap(b) >= copyBufSize {
		p.pool.Put((*[copyBufSize]byte)(b[:copyBufSize]))
	}
}

// peekPool holds the buffers 5xx bodies are inspected in.
type peekPool struct{ pool sync.Pool }

func (p *peekPool) get() []byte {
	if a, ok := p.pool.Get().(*[peekSize]byte); ok {
		return a[:]
	}
	return new([peekSize]byte)[:]
}

func (p *peekPool) put(b []byte) {
	if cap(b) >= peekSize {
		p.pool.Put((*[peekSize]byte)(b[:peekSize]))
	}
}
