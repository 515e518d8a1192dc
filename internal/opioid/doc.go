// Package opioid converts a patient's opioid medications to morphine
// milligram equivalents per day (MME/day) with a named conversion table, so
// that intake and the journal can show opioid use over a ketamine course.
//
// The default table is CDC 2022 (Dowell D et al., "CDC Clinical Practice
// Guideline for Prescribing Opioids for Pain — United States, 2022", MMWR
// Recomm Rep 2022;71(RR-3):1–95, Table "Morphine milligram equivalent doses
// for commonly prescribed opioids for pain management"), read as reproduced
// by globalrph.com and Medscape with its footnotes and worked examples. The
// 2016 table (Dowell D et al., MMWR Recomm Rep 2016;65(RR-1):1–49) is
// available by name: it was read as CDC's open FHIR implementation guide
// encodes it (repository cqframework/opioid-mme-r4, ConversionFactors.cql and
// CodeSystem CDCMMEClinicalConversionFactors).
//
// Every figure names the table it was computed with. Buprenorphine is shown
// and never converted (CDC 2022 gives it no factor: a partial agonist). An
// opioid or route a table does not cover is shown, marked not converted, and
// the total says it is incomplete: nothing is dropped or guessed.
//
// CDC's cautions travel with every summary: the factors are estimates for
// judging overdose risk, not for converting one opioid to another, and not
// for opioid use disorder treatment.
//
// Doses are units.Mass and units.DoseRate quantities: "5mg", "25mcg/h".
package opioid
