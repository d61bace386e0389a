package watch

import (
	"errors"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"default with dir", Config{Dir: "/ckpt", PollInterval: DefaultPollInterval}, true},
		{"zeros", Config{Dir: "/ckpt"}, true},
		{"empty dir", Config{}, false},
		{"relative dir", Config{Dir: "ckpt"}, false},
		{"negative max bytes", Config{Dir: "/ckpt", MaxBytes: -1}, false},
		{"negative workers", Config{Dir: "/ckpt", Workers: -1}, false},
		{"negative poll", Config{Dir: "/ckpt", PollInterval: -time.Second}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.ok != (err == nil) {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("%v does not wrap ErrInvalidConfig", err)
			}
			if _, err2 := New(tc.cfg); (err2 == nil) != tc.ok {
				t.Errorf("New: %v", err2)
			}
		})
	}
	d := DefaultConfig()
	d.Dir = "/ckpt"
	if err := d.Validate(); err != nil || d.PollInterval != DefaultPollInterval {
		t.Errorf("DefaultConfig: %+v, %v", d, err)
	}
}
