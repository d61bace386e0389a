// Package drivertest holds test helpers shared by the runtime's drivers.
package drivertest

import (
	"context"
	"io"
	"testing"
	"time"

	gprt "github.com/gpunet/gpunet/runtime"
)

// Logs returns a task's whole log, failing the test if it cannot be read.
func Logs(t testing.TB, d gprt.Driver, id string, follow bool) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rc, err := d.Logs(ctx, id, follow)
	if err != nil {
		t.Fatalf("logs of %s: %v", id, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read logs of %s: %v", id, err)
	}
	return string(b)
}
