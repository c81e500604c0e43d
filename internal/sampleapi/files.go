package sampleapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sync"
)

// SecretFileMarker starts the fake secret planted beside the documents
// directory. A scanner that reads it through GET /api/files has proven path
// traversal without touching any real file of the host.
const SecretFileMarker = "RAMPART_SAMPLE_SECRET="

// sampleDocuments are the documents GET /api/files serves, by name.
var sampleDocuments = map[string]string{
	"welcome.txt":   "Welcome to the Rampart sample API.\nThese documents are public to every signed-in user.\n",
	"terms.txt":     "Terms of use: this API is deliberately vulnerable; never expose it to a network.\n",
	"changelog.txt": "1.0: items, orders, reports, documents, webhooks and previews.\n",
}

// secretFile is the file outside the documents directory, relative to the
// sandbox root, and its fake content.
const (
	secretFile    = "private/secret.txt"
	secretContent = "# never served: path traversal reached it\n" + SecretFileMarker + "fake-7c1e4b9a2d6f8035\n"
)

// documentName is the only shape of name the hardened handler accepts: no
// separators, no dots but the extension, so no way out of the directory.
var documentName = regexp.MustCompile(`^[a-z0-9-]+\.txt$`)

// maxDocumentBytes bounds one served document.
const maxDocumentBytes = 64 << 10

// fileStore is the on-disk sandbox of GET /api/files: a temporary directory
// holding docs/ (the documents) and private/secret.txt (what traversal
// reaches). Every open goes through an os.Root on the sandbox, so even the
// vulnerable handler cannot leave it: ../../etc/passwd fails, while
// ../private/secret.txt, inside the sandbox but outside docs/, succeeds.
type fileStore struct {
	dir  string
	root *os.Root // the sandbox
	docs *os.Root // docs/ only, for the hardened handler

	closeOnce sync.Once
	closeErr  error
}

// openFileStore creates and fills a fresh sandbox.
func openFileStore() (*fileStore, error) {
	dir, err := os.MkdirTemp("", "sampleapi-files-*")
	if err != nil {
		return nil, fmt.Errorf("creating the documents sandbox: %w", err)
	}
	fs := &fileStore{dir: dir}
	if err := fs.fill(); err != nil {
		_ = fs.Close()
		return nil, err
	}
	return fs, nil
}

func (fs *fileStore) fill() error {
	for _, d := range []string{"docs", "private"} {
		if err := os.Mkdir(filepath.Join(fs.dir, d), 0o700); err != nil {
			return fmt.Errorf("creating the documents sandbox: %w", err)
		}
	}
	files := map[string]string{secretFile: secretContent}
	for name, body := range sampleDocuments {
		files["docs/"+name] = body
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(fs.dir, filepath.FromSlash(name)), []byte(body), 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	var err error
	if fs.root, err = os.OpenRoot(fs.dir); err != nil {
		return fmt.Errorf("opening the documents sandbox: %w", err)
	}
	if fs.docs, err = fs.root.OpenRoot("docs"); err != nil {
		return fmt.Errorf("opening the documents directory: %w", err)
	}
	return nil
}

// Close removes the sandbox. It is safe to call more than once.
func (fs *fileStore) Close() error {
	fs.closeOnce.Do(func() {
		var errs []error
		for _, r := range []*os.Root{fs.docs, fs.root} {
			if r != nil {
				errs = append(errs, r.Close())
			}
		}
		errs = append(errs, os.RemoveAll(fs.dir))
		fs.closeErr = errors.Join(errs...)
	})
	return fs.closeErr
}

// errNoDocument is any name that does not lead to a readable document.
var errNoDocument = errors.New("no such document")

// open returns the file a client's name refers to.
func (fs *fileStore) open(name string, hardened bool) (*os.File, error) {
	if hardened {
		if !documentName.MatchString(name) {
			return nil, errNoDocument
		}
		return fs.docs.Open(name)
	}
	// DELIBERATE FLAW (CWE-22, path traversal; with CWE-174, double
	// decoding): the name is decoded a second time ("for names with
	// spaces") and joined to docs/ unchecked, so ../private/secret.txt,
	// ..%2Fprivate%2Fsecret.txt and %2e%2e%2fprivate%2fsecret.txt all
	// resolve outside the documents directory. Only the os.Root sandbox
	// (see fileStore) keeps the walk inside the temporary directory.
	if dec, err := url.PathUnescape(name); err == nil {
		name = dec
	}
	return fs.root.Open(path.Join("docs", name))
}

// getFile serves one document as text.
func (a *API) getFile(w http.ResponseWriter, r *http.Request, _ principal) {
	name := r.URL.Query().Get("name")
	if name == "" {
		writeProblem(w, http.StatusBadRequest, "name is required")
		return
	}
	f, err := a.files.open(name, a.cfg.Hardened)
	if err != nil {
		writeProblem(w, http.StatusNotFound, "no such document")
		return
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		writeProblem(w, http.StatusNotFound, "no such document")
		return
	}
	body, err := io.ReadAll(io.LimitReader(f, maxDocumentBytes))
	if err != nil {
		a.serverError(w, r, fmt.Errorf("reading document %q: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write(body)
}
