// Package crps holds the clinical rules for diagnosing complex regional pain
// syndrome: the Budapest clinical and research criteria computed from a
// symptom/sign checklist with the rule that decided, the CRPS Severity Score
// with its version recorded on every score, the CRPS subtypes (I, II, NOS and
// "with remission of some features"), inciting events, affected limbs and the
// SNOMED CT codes the FHIR export needs.
//
// Every rule cites its source beside it. The sources read for this package:
//
//   - Harden RN et al., "Proposed new diagnostic criteria for complex regional
//     pain syndrome", Pain Med 2007;8:326–31, and the validation, Harden RN et
//     al., Pain 2010;150:268–74: the criteria as tabulated in
//     PMC8970239 Table 1 and in BMC Surg 2020 (doi 10.1186/s12893-020-00982-7)
//     Table 1; research criteria (all 4 symptom categories) as summarised by
//     Medscape ("How is CRPS-NOS defined?", 2018).
//   - Goebel A et al., "The Valencia consensus-based adaptation of the IASP
//     complex regional pain syndrome diagnostic criteria", Pain
//     2021;162:2346–8 (PMC8374712), Table 1: the criteria's wording is
//     unchanged; reported hyperesthesia also qualifies as a sensory symptom.
//   - CRPS Severity Score, 16-item form: J Pain Res 2023;16:1915–26
//     (doi 10.2147/JPR.S408858) Table 4, built on Harden RN et al., Pain
//     2010;151:870–6 (17 items; not offered here, see severity.go).
//   - Seed 002_099d9c08962d48c0.txt: inciting events and their shares, the
//     "CRPS with remission of some features" subtype, sites of the body.
//
// The package imports nothing but the standard library; it neither stores
// nor serves anything. Its types are plain, JSON-friendly and validate
// themselves (Validate returns a *FieldError naming the field).
package crps
