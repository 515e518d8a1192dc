package document

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Paper is a sheet size a document is printed on.
type Paper string

// The paper sizes offered: ISO A4 (210 × 297 mm) and US Letter (8.5 × 11 in).
const (
	A4     Paper = "a4"
	Letter Paper = "letter"
)

// ParsePaper reads a paper name ("" is A4); anything else is an error naming
// the accepted values.
func ParsePaper(s string) (Paper, error) {
	switch Paper(s) {
	case "", A4:
		return A4, nil
	case Letter:
		return Letter, nil
	}
	return "", fmt.Errorf("paper %q: use a4 or letter", s)
}

// size is the sheet in inches, as Chromium's print-to-PDF takes it.
func (p Paper) size() chromedp.PaperSize {
	if p == Letter {
		return chromedp.PaperLetter
	}
	return chromedp.PaperSize{Width: 210 / 25.4, Height: 297 / 25.4}
}

// ErrNoChromium is returned by Printer.PDF when the server has no Chromium.
var ErrNoChromium = errors.New("this server has no Chromium (or Chrome) to make PDFs: install the chromium package, " +
	"or use the printable page and the browser's Print → Save as PDF, which gives the same document")

// Printer prints HTML documents to PDF with headless Chromium. It starts one
// browser per document (a few hundred milliseconds, no state shared between
// documents) and allows a few at a time, so a burst of prints cannot
// exhaust the server's memory. The zero Printer has no browser; use
// NewPrinter.
type Printer struct {
	path  string
	slots chan struct{}
	// Timeout bounds one document (default 60 s).
	Timeout time.Duration
}

// NewPrinter finds Chromium: path if given, else chromium, chromium-browser
// or google-chrome on PATH. A Printer without one answers ErrNoChromium.
func NewPrinter(path string) *Printer {
	p := &Printer{slots: make(chan struct{}, 2), Timeout: 60 * time.Second}
	if path != "" {
		if found, err := exec.LookPath(path); err == nil {
			p.path = found
		}
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if found, err := exec.LookPath(name); err == nil {
			p.path = found
			break
		}
	}
	return p
}

// Available reports whether the printer found a browser.
func (p *Printer) Available() bool { return p != nil && p.path != "" }

// PDF prints a self-contained HTML document (styles inline, images as data
// or inline SVG: the browser is offline and runs no script) on paper, with
// "page N of M" at the foot of each page, and returns the PDF.
func (p *Printer) PDF(ctx context.Context, html []byte, paper Paper) ([]byte, error) {
	if !p.Available() {
		return nil, ErrNoChromium
	}
	select {
	case p.slots <- struct{}{}:
		defer func() { <-p.slots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(p.path), chromedp.Headless, chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	var out []byte
	err := chromedp.Do(bctx,
		chromedp.Navigate("about:blank"),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			// The document carries no script; refuse any all the same.
			if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
				return err
			}
			tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
			if err != nil {
				return err
			}
			_, err = chromedp.Call(ctx, page.SetDocumentContent, page.SetDocumentContentParams{
				FrameID: tree.FrameTree.Frame.ID, HTML: string(html)})
			return err
		}),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			b, err := chromedp.Run(ctx, chromedp.PrintToPDF(
				chromedp.PDFPaper(paper.size()),
				chromedp.PDFMargins(0.45, 0.5, 0.55, 0.5),
				chromedp.PDFPrintBackground(),
				chromedp.PDFHeaderTemplate(`<span></span>`),
				chromedp.PDFFooterTemplate(`<div style="font-size:8px;width:100%;text-align:right;padding-right:0.5in;font-family:Helvetica,Arial,sans-serif">page <span class="pageNumber"></span> of <span class="totalPages"></span></div>`),
			))
			out = b
			return err
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("print to PDF with %s: %w", p.path, err)
	}
	return out, nil
}
