package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/internal/hl7"
	"github.com/laminar-rx/laminar/internal/mllp"
)

const hl7Usage = `hl7 send FILE --to HOST:PORT [--raw] [--timeout 30s]

Sends the HL7 v2 messages in FILE (one or more, each starting with MSH) over
MLLP to HOST:PORT, one at a time on one connection, and prints each
acknowledgment with one segment per line. Line ends in FILE (LF or CRLF)
become CR, the segment end HL7 wants, unless --raw is given. Exits 1 when a
message is not accepted (MSA-1 other than AA or CA) or gets no answer.`

func cmdHL7(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "hl7", hl7Usage)
	to := fs.String("to", "", "host:port of the MLLP listener, e.g. localhost:2575")
	raw := fs.Bool("raw", false, "send the file's bytes as they are")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for each acknowledgment")
	if len(args) == 0 || args[0] != "send" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fs.Usage()
			return nil
		}
		return fmt.Errorf("expected: laminar %s", strings.SplitN(hl7Usage, "\n", 2)[0])
	}
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if len(pos) != 1 || *to == "" {
		return fmt.Errorf("expected: laminar %s", strings.SplitN(hl7Usage, "\n", 2)[0])
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	msgs := splitMessages(data, *raw)
	if len(msgs) == 0 {
		return fmt.Errorf("%s holds no message starting with MSH", pos[0])
	}
	dctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	c, err := mllp.Dial(dctx, *to)
	if err != nil {
		return err
	}
	defer c.Close()
	c.Timeout = *timeout
	failed := 0
	for i, m := range msgs {
		ack, err := c.Send(m)
		if err != nil {
			return fmt.Errorf("message %d: %w", i+1, err)
		}
		fmt.Fprintln(e.stdout, strings.TrimRight(strings.ReplaceAll(string(ack), "\r", "\n"), "\n"))
		if len(msgs) > 1 {
			fmt.Fprintln(e.stdout)
		}
		parsed, err := hl7.Parse(ack)
		if err != nil || (parsed.Get("MSA-1") != hl7.AA && parsed.Get("MSA-1") != "CA") {
			failed++
		}
	}
	if failed > 0 {
		fmt.Fprintf(e.stderr, "%d of %d messages not accepted\n", failed, len(msgs))
		return &silentExit{}
	}
	return nil
}

// splitMessages cuts a file into messages at each line starting with MSH;
// unless raw, line ends become CR.
func splitMessages(data []byte, raw bool) [][]byte {
	if !raw {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\r"))
		data = bytes.ReplaceAll(data, []byte("\n"), []byte("\r"))
	}
	var out [][]byte
	start := -1
	for i := 0; i+3 <= len(data); i++ {
		if (i == 0 || data[i-1] == '\r' || data[i-1] == '\n') && bytes.HasPrefix(data[i:], []byte("MSH")) {
			if start >= 0 {
				out = append(out, data[start:i])
			}
			start = i
		}
	}
	if start >= 0 {
		out = append(out, data[start:])
	}
	for i, m := range out {
		m = bytes.TrimRight(m, "\r\n")
		out[i] = append(m, '\r')
	}
	return out
}
