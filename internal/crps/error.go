package crps

// FieldError is a validation error that names the field at fault, so that a
// page or the API can point at it (e.g. "assessment.symptoms[2]: unknown
// checklist item").
type FieldError struct {
	// Field is the JSON path of the field, e.g. "assessment.disproportionate_pain".
	Field string
	// Message says what is wrong with it and what is expected.
	Message string
}

// Error returns "field: message".
func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// fieldErr builds a *FieldError.
func fieldErr(field, msg string) error { return &FieldError{Field: field, Message: msg} }

// prefixed returns err with prefix+"." prepended to its field when err is a
// *FieldError, so that nested Validate calls name the full path.
func prefixed(prefix string, err error) error {
	if err == nil {
		return nil
	}
	if fe, ok := err.(*FieldError); ok {
		return &FieldError{Field: prefix + "." + fe.Field, Message: fe.Message}
	}
	return err
}
