package segment

import "fmt"

// Error codes, the same strings as the application's error codes so that an
// adapter can map them without a table.
const (
	EINVALID  = "invalid"
	EINTERNAL = "internal"
)

// Error is a segmentation error. Message is safe to show a user: it names
// lines, columns, fields and item linkIds, never a respondent's id or
// answers.
type Error struct {
	Code    string
	Message string
	Line    int // 1-based input line, 0 when not about a line
	Column  int // 1-based CSV column, 0 when not about a column
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

func invalidf(format string, args ...any) *Error {
	return &Error{Code: EINVALID, Message: fmt.Sprintf(format, args...)}
}

func cellError(line, col int, format string, args ...any) *Error {
	e := invalidf("line %d, column %d: ", line, col)
	e.Message += fmt.Sprintf(format, args...)
	e.Line, e.Column = line, col
	return e
}
