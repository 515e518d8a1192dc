// Package screening decides whether a patient may start (or continue) a
// course of intravenous ketamine for chronic pain: contraindications and
// cautions with their class and evidence grade, plausible baseline vitals,
// the pre-infusion tests (ECG, liver function) a patient's risks call for,
// and the clinician's recorded decision with an override and reason for each
// relative contraindication.
//
// Sources read for this package:
//
//   - Cohen SP et al., "Consensus Guidelines on the Use of Intravenous
//     Ketamine Infusions for Chronic Pain From the American Society of
//     Regional Anesthesia and Pain Medicine, the American Academy of Pain
//     Medicine, and the American Society of Anesthesiologists", Reg Anesth
//     Pain Med 2018;43:521–46 (doi 10.1097/AAP.0000000000000808). The full
//     text could not be read here; its recommendations, classes and grades
//     were read in the Guideline Central summary (guidelinecentral.com,
//     guideline 8150, "Use of Intravenous Ketamine Infusions for Chronic
//     Pain", 2018: "Relative contraindications ... (B, Low) ... (C, Low)";
//     "Preinfusion tests") and in a clinician's summary of the same guideline
//     (doctoryg.blogspot.com, 2019) for the wording on hepatic disease,
//     intracranial/intraocular pressure and serial infusions.
//   - Ketalar (ketamine) summary of product characteristics, Pfizer Ltd,
//     MHRA, revision 2019, contraindications as reproduced by rxreasoner.com;
//     Swiss product information for ketamine (oddb.org, registration 67199,
//     "Kontraindikationen"): blood pressure above 180/100 mmHg at rest.
//   - Seed 001_db080c63fd53018a.txt, evidence table: liver function tests
//     (Sigtermans 2009) and LFT/CBC (Goebel 2015) measured during multi-day
//     infusions.
//   - MIT-LCP mimic-code (MIMIC-III concepts, vitals_first_day.sql): the
//     validity limits used to reject impossible vital signs.
//
// Storage and audit of the decision belong to the store; this package gives
// the types and their Validate methods. It imports only the standard library.
package screening
