package authn

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Authenticator holds what every route shares: API key records, JWT
// issuers with their JWKS caches, signature keys and mTLS settings. Build
// one per configuration generation with New, derive one Guard per route
// with Guard (cheap: guards share the key material), and Close it when the
// generation is retired.
type Authenticator struct {
	realm         string
	apiKeys       *apiKeyVerifier
	jwt           *jwtVerifier
	mtls          *mtlsSettings
	sigs          *signatureVerifier
	revocations   RevocationChecker
	nonces        NonceStore
	storeFailOpen bool
	log           *slog.Logger
	now           func() time.Time
	hooks         Hooks
	httpClient    *http.Client

	// ctx ends background JWKS refreshes; Close cancels it.
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once

	poolMu sync.Mutex
	pools  map[string]*x509.CertPool
}

// New validates cfg, loads key files and CA bundles, and starts the JWKS
// refreshers (fetching synchronously for issuers with RequireKeysAtStart).
func New(cfg Config, opts Options) (*Authenticator, error) {
	a := &Authenticator{
		realm:         cfg.Realm,
		revocations:   opts.Revocations,
		nonces:        opts.Nonces,
		storeFailOpen: cfg.StoreFailOpen,
		log:           opts.Logger,
		now:           opts.Now,
		hooks:         opts.Hooks,
		httpClient:    opts.HTTPClient,
		pools:         map[string]*x509.CertPool{},
	}
	if a.realm == "" {
		a.realm = DefaultRealm
	}
	if strings.ContainsAny(a.realm, "\"\\\r\n") {
		return nil, fmt.Errorf("authn: realm %q must not contain quotes, backslashes or line breaks", a.realm)
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.httpClient == nil {
		a.httpClient = &http.Client{CheckRedirect: checkJWKSRedirect}
	}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	if err := a.build(cfg); err != nil {
		_ = a.Close()
		return nil, fmt.Errorf("authn: %w", err)
	}
	return a, nil
}

func (a *Authenticator) build(cfg Config) error {
	var err error
	if len(cfg.APIKeys.Keys) > 0 {
		if a.apiKeys, err = newAPIKeyVerifier(cfg.APIKeys, a.now); err != nil {
			return err
		}
	}
	if a.mtls, err = newMTLSSettings(cfg.MTLS, a); err != nil {
		return err
	}
	if len(cfg.Signatures.Keys) > 0 {
		if a.sigs, err = newSignatureVerifier(cfg.Signatures, a); err != nil {
			return err
		}
	}
	if len(cfg.JWT.Issuers) == 0 {
		return nil
	}
	if a.jwt, err = newJWTVerifier(cfg.JWT, a); err != nil {
		return err
	}
	for _, ic := range cfg.JWT.Issuers {
		src := a.jwt.issuers[ic.Issuer].jwks
		if src == nil {
			continue
		}
		fetched := false
		if ic.RequireKeysAtStart {
			if err := src.refetch(a.ctx, true); err != nil {
				return fmt.Errorf("jwt issuer %q: first jwks fetch: %w", ic.Issuer, err)
			}
			fetched = true
		}
		a.wg.Add(1)
		go src.run(&a.wg, !fetched)
	}
	return nil
}

// checkJWKSRedirect follows at most three redirects, never to plain http
// off loopback.
func checkJWKSRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 3 {
		return errors.New("too many redirects")
	}
	if req.URL.Scheme != "https" && !isLoopback(req.URL.Hostname()) {
		return fmt.Errorf("refusing redirect to %s", req.URL.Redacted())
	}
	return nil
}

// Close stops the background JWKS refreshers. Guards keep working with
// the keys they have.
func (a *Authenticator) Close() error {
	a.closeOnce.Do(func() {
		a.cancel()
		a.wg.Wait()
	})
	return nil
}

// caPool loads and caches CA bundles, so routes naming the same files
// share one pool.
func (a *Authenticator) caPool(files []string) (*x509.CertPool, error) {
	key := strings.Join(files, "\x00")
	a.poolMu.Lock()
	defer a.poolMu.Unlock()
	if p, ok := a.pools[key]; ok {
		return p, nil
	}
	p, err := loadCAPool(files)
	if err != nil {
		return nil, err
	}
	a.pools[key] = p
	return p, nil
}

// revoked checks a revocation mark.
func (a *Authenticator) revoked(ctx context.Context, ns, key, rule string) *failure {
	if a.revocations == nil {
		return nil
	}
	m, ok, err := a.revocations.GetMark(ctx, ns, key)
	if err != nil {
		return a.storeFailed("revocation", err)
	}
	if ok {
		return fail(rule, fmt.Errorf("%s %q is revoked (source %q, reason %q)", ns, key, m.Source, m.Reason))
	}
	return nil
}

// storeFailed applies the store fail mode: logged and reported either way;
// nil (skip the check) when failing open, an internal failure otherwise.
func (a *Authenticator) storeFailed(op string, err error) *failure {
	a.log.Error("authn store failed", slog.String("op", op), slog.Bool("fail_open", a.storeFailOpen), slog.Any("error", err))
	if a.hooks.StoreError != nil {
		a.hooks.StoreError(op, err)
	}
	if a.storeFailOpen {
		return nil
	}
	return &failure{internal: fmt.Errorf("authn: %s store: %w", op, err)}
}
