package runner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// maxLineBytes bounds a line the runner parses; longer lines still reach
// the log file, cut to this length.
const maxLineBytes = 64 << 10

// pumpLogs follows the task's output into its attempt's log file and the
// hooks until the stream ends. The file is rewritten from the start: after a
// re-attach the driver replays the task's whole output.
func (r *Runner) pumpLogs(ctx context.Context, rn *run, taskID string, attempt int) {
	jobID := rn.snapshot().Job.ID
	rc, err := r.driver.Logs(ctx, taskID, true)
	if err != nil {
		if ctx.Err() == nil {
			r.log.WarnContext(ctx, "follow task logs", "job", jobID, "err", err)
		}
		return
	}
	defer rc.Close()
	f, err := os.OpenFile(r.LogPath(jobID, attempt), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		r.log.WarnContext(ctx, "open log file", "job", jobID, "err", err)
		return
	}
	defer f.Close()
	lw := &limitedWriter{w: f, left: r.cfg.MaxLogBytes}
	br := bufio.NewReaderSize(rc, maxLineBytes)
	for {
		line, err := readLine(br)
		if len(line) > 0 || err == nil {
			lw.Write(append(line, '\n'))
			if h := r.hooks.Log; h != nil {
				h(jobID, line)
			}
			if p, ok := ParseProgress(line); ok {
				if h := r.hooks.Progress; h != nil {
					h(jobID, p)
				}
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				r.log.WarnContext(ctx, "read task logs", "job", jobID, "err", err)
			}
			if lw.dropped > 0 {
				fmt.Fprintf(f, "[gpunet: %d bytes of output dropped past the %d-byte log limit]\n", lw.dropped, r.cfg.MaxLogBytes)
			}
			return
		}
	}
}

// readLine returns the next line without its newline, cut to maxLineBytes.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line) < maxLineBytes {
			line = append(line, chunk[:min(len(chunk), maxLineBytes-len(line))]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimRight(line, "\r\n"), err
	}
}

type limitedWriter struct {
	w       io.Writer
	left    int64
	dropped int64
}

func (l *limitedWriter) Write(p []byte) {
	if int64(len(p)) > l.left {
		l.dropped += int64(len(p))
		return
	}
	n, _ := l.w.Write(p)
	l.left -= int64(n)
}

// ParseProgress reads a progress line, {"step":N,"loss":x} (SPEC section
// 4). Other lines, and lines whose step is missing or negative, are not
// progress.
func ParseProgress(line []byte) (Progress, bool) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return Progress{}, false
	}
	var v struct {
		Step *int64   `json:"step"`
		Loss *float64 `json:"loss"`
	}
	if err := json.Unmarshal(line, &v); err != nil || v.Step == nil || *v.Step < 0 {
		return Progress{}, false
	}
	p := Progress{Step: *v.Step}
	if v.Loss != nil {
		p.Loss, p.HasLoss = *v.Loss, true
	}
	return p, true
}
