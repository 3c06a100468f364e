package balance

import (
	"context"
	"time"
)

// sbiPoll is how often an SBI balance is asked for a reading while waiting
// for it to settle: SBI has no "send when stable" command.
const sbiPoll = 100 * time.Millisecond

func (c *Client) sbiPrint(ctx context.Context, reply time.Duration) (Reading, error) {
	line, err := c.exchange(ctx, "\x1bP", reply)
	if err != nil {
		return Reading{}, err
	}
	return c.checked(ParseSBI(line))
}

func (c *Client) sbiUntilStable(ctx context.Context, stable, reply time.Duration) (Reading, error) {
	until := time.Now().Add(stable)
	for {
		rd, err := c.sbiPrint(ctx, reply)
		if err != nil || rd.Stable {
			return rd, err
		}
		if time.Now().After(until) {
			return Reading{}, errUnstable("no stable weight within " + stable.String() + ", last " + quoteRaw(rd.Raw))
		}
		select {
		case <-ctx.Done():
			return Reading{}, ctx.Err()
		case <-time.After(sbiPoll):
		}
	}
}

// sbiCommand sends a command that has no reply (zero, tare), then waits for
// a stable reading: the balance has done it when it shows one.
func (c *Client) sbiCommand(ctx context.Context, cmd string, stable, reply time.Duration) error {
	if err := c.send(ctx, cmd); err != nil {
		return err
	}
	_, err := c.sbiUntilStable(ctx, stable, reply)
	return err
}

// send writes a command that has no reply.
func (c *Client) send(ctx context.Context, cmd string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.dial(ctx); err != nil {
		return err
	}
	_, reply, _ := c.timeouts()
	_ = c.conn.SetDeadline(time.Now().Add(reply))
	if _, err := c.conn.Write([]byte(cmd + "\r\n")); err != nil {
		c.drop()
		return c.ioError(ctx, err)
	}
	return nil
}
