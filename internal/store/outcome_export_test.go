package store

// The queries of StaleOutcomes, for the test of their plans.
var (
	StaleByGen     = staleByGen
	DefinitionsEnd = definitionsEnd
)
