package sampleapi

import (
	"fmt"
	"html/template"
	"net/http"
	"unicode/utf8"
)

// maxPreviewText bounds the text GET /api/preview renders, in characters.
const maxPreviewText = 500

// previewPage is the hardened rendering: html/template escapes the text for
// its context.
var previewPage = template.Must(template.New("preview").Parse(
	`<!doctype html>
<html><head><meta charset="utf-8"><title>Preview</title></head>
<body><div class="preview">{{.}}</div></body></html>
`))

// preview renders a comment or item description as the web client will
// show it.
func (a *API) preview(w http.ResponseWriter, r *http.Request) {
	text := r.URL.Query().Get("text")
	if utf8.RuneCountInString(text) > maxPreviewText {
		writeProblem(w, http.StatusBadRequest, fmt.Sprintf("text must be at most %d characters", maxPreviewText))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if a.cfg.Hardened {
		// Defence in depth: even a missed escape could not run script.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		if err := previewPage.Execute(w, text); err != nil {
			a.log.InfoContext(r.Context(), "writing the preview", "err", err)
		}
		return
	}
	// DELIBERATE FLAW (CWE-79, reflected cross-site scripting): the text is
	// pasted into the HTML unescaped, so ?text=<script>…</script> runs in
	// the browser of whoever follows the link.
	_, _ = fmt.Fprintf(w, "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Preview</title></head>\n"+
		"<body><div class=\"preview\">%s</div></body></html>\n", text)
}
