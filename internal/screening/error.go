package screening

// FieldError is a validation error that names the field at fault, e.g.
// "vitals.spo2_percent: 140 % is impossible".
type FieldError struct {
	// Field is the JSON path of the field.
	Field string
	// Message says what is wrong and what is expected.
	Message string
}

// Error returns "field: message".
func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// fieldErr builds a *FieldError.
func fieldErr(field, msg string) error { return &FieldError{Field: field, Message: msg} }

// prefixed prepends prefix+"." to the field of a *FieldError.
func prefixed(prefix string, err error) error {
	if fe, ok := err.(*FieldError); ok {
		return &FieldError{Field: prefix + "." + fe.Field, Message: fe.Message}
	}
	return err
}
