package watch

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind (the
// fsnotify reader, a Run loop, a hashing worker).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
