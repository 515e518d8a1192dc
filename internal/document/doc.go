// Package document holds what ketatrack needs to print the documents a
// clinic hands out or files: the infusion-room plan, the session record, the
// letter to the referring doctor and the patient's discharge instructions.
//
// The documents themselves are HTML pages with print CSS, rendered by
// internal/web from the same services the screens use. This package adds
// the parts that are not web pages:
//
//   - Printer turns such a page into a PDF with headless Chromium's
//     print-to-PDF, so the PDF is the printed page itself and the two cannot
//     differ in content (one template is the single source of truth);
//   - Instructions are the discharge instructions, each with its source or
//     marked as the clinic's own editable text where the sources are silent
//     (discharge.yaml, embedded);
//   - TrajectorySVG draws a patient's pain trajectory as a self-contained SVG
//     (internal/pk/plot) that prints without JavaScript.
package document
