package streams

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine outlives the hosts and
// servers the tests closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
