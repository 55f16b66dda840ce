package message

import "fmt"

// Error codes, the same strings as the application's.
const (
	EINVALID = "invalid"
)

// Error is a template or content error. Message is safe to show a user: it
// names a line, a column and a field, never a patient's value.
type Error struct {
	Code    string
	Message string
	Line    int // 1-based line in the template source, 0 when not about one
	Column  int // 1-based column (in characters), 0 when not about one
	Field   string
}

func (e *Error) Error() string { return e.Message }

func posError(line, col int, field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Line: line, Column: col, Field: field,
		Message: fmt.Sprintf("line %d, column %d: ", line, col) + fmt.Sprintf(format, args...)}
}
