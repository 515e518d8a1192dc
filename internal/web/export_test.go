package web

// SetLogPageRows sets how many entries a page of the HTML log shows and
// returns the function that restores it.
func SetLogPageRows(n int) (restore func()) {
	old := logPageRows
	logPageRows = n
	return func() { logPageRows = old }
}
