// Benchmark peer: a load generator for the hello protocol as people write one in Go, to
// compare sockit bench's own cost with. A goroutine per connection with bufio, each name and
// expected reply formatted once per connection (a cycle of four, as sockit bench does), every
// reply compared byte for byte and its latency put in a histogram, so that it does the same
// work per message as sockit bench. Modes: lockstep, pipeline (-depth names in flight) and
// churn (connect, greeting, one name, exit, close); -rate paces messages (churn:
// conversations) on a fixed schedule, sleeping until each is due.
// Prints one JSON line: {"messages": N, "errors": E, "seconds": S}.
// Usage: go run . -addr 127.0.0.1:9999 -mode lockstep -c 50 -d 10s [-depth 32] [-rate R]
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"math/bits"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

const cycle = 4

var (
	addr     = flag.String("addr", "127.0.0.1:9999", "server address")
	mode     = flag.String("mode", "lockstep", "lockstep, pipeline or churn")
	conns    = flag.Int("c", 50, "connections")
	duration = flag.Duration("d", 10*time.Second, "how long to load")
	depth    = flag.Int("depth", 32, "names in flight per connection in pipeline mode")
	rate     = flag.Float64("rate", 0, "messages (churn: conversations) per second over all connections; 0: as fast as replies come")
)

var (
	messages atomic.Int64
	errs     atomic.Int64
	stop     atomic.Bool
)

// histogram: log-linear buckets of nanoseconds, 16 per power of two; one per connection.
type histogram [64 * 16]uint64

func (h *histogram) record(d time.Duration) {
	ns := uint64(d)
	if ns < 16 {
		h[ns]++
		return
	}
	exp := 63 - bits.LeadingZeros64(ns)
	h[exp*16+int(ns>>(exp-4))&15]++
}

type script struct {
	requests [cycle][]byte
	replies  [cycle][]byte
}

func newScript(conn int) *script {
	s := &script{}
	for k := 0; k < cycle; k++ {
		name := fmt.Sprintf("c%dn%d", conn, k)
		s.requests[k] = []byte(name + "\n")
		s.replies[k] = []byte("Hello, " + name + "!\n")
	}
	return s
}

// pacer: when connection i's next message is due under -rate.
type pacer struct {
	next     time.Time
	interval time.Duration
}

func newPacer(i int) *pacer {
	if *rate <= 0 {
		return nil
	}
	interval := time.Duration(float64(*conns) * 1e9 / *rate)
	offset := time.Duration(float64(i) * 1e9 / *rate)
	return &pacer{next: time.Now().Add(offset), interval: interval}
}

// wait sleeps until the next message is due and returns when it was.
func (p *pacer) wait() time.Time {
	due := p.next
	if d := time.Until(due); d > 0 {
		time.Sleep(d)
	}
	p.next = p.next.Add(p.interval)
	return due
}

func greet(r *bufio.Reader) error {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.Equal(line, []byte("Welcome!\n")) {
		return fmt.Errorf("bad greeting %q", line)
	}
	return nil
}

func steady(i, window int, h *histogram) {
	s := newScript(i)
	p := newPacer(i)
	for !stop.Load() {
		conn, err := net.Dial("tcp", *addr)
		if err != nil {
			errs.Add(1)
			time.Sleep(20 * time.Millisecond)
			continue
		}
		r := bufio.NewReaderSize(conn, 16*1024)
		w := bufio.NewWriterSize(conn, 16*1024)
		if err := greet(r); err != nil {
			errs.Add(1)
			conn.Close()
			continue
		}
		var sent, got int
		var sentAt [cycle * 1024]time.Time
		send := func(due time.Time) {
			w.Write(s.requests[sent%cycle])
			sentAt[sent%len(sentAt)] = due
			sent++
		}
		if p == nil {
			now := time.Now()
			for k := 0; k < window; k++ {
				send(now)
			}
			w.Flush()
		}
		for {
			if p != nil && sent-got < window && !stop.Load() {
				send(p.wait())
				w.Flush()
				continue
			}
			if sent == got {
				break
			}
			line, err := r.ReadSlice('\n')
			if err != nil {
				errs.Add(int64(sent - got))
				break
			}
			h.record(time.Since(sentAt[got%len(sentAt)]))
			if !bytes.Equal(line, s.replies[got%cycle]) {
				errs.Add(1)
			} else {
				messages.Add(1)
			}
			got++
			if p == nil && !stop.Load() {
				send(time.Now())
				if r.Buffered() == 0 {
					w.Flush()
				}
			}
		}
		w.WriteString("exit\n")
		w.Flush()
		conn.Close()
		if sent == got {
			return
		}
	}
}

func churn(i int, h *histogram) {
	s := newScript(i)
	p := newPacer(i)
	buf := make([]byte, 64)
	for k := 0; !stop.Load(); k++ {
		start := time.Now()
		if p != nil {
			start = p.wait()
		}
		conn, err := net.Dial("tcp", *addr)
		if err != nil {
			errs.Add(1)
			time.Sleep(20 * time.Millisecond)
			continue
		}
		r := bufio.NewReaderSize(conn, 256)
		if err := greet(r); err != nil {
			errs.Add(1)
			conn.Close()
			continue
		}
		req := s.requests[k%cycle]
		out := append(append(buf[:0], req...), "exit\n"...)
		conn.Write(out)
		line, err := r.ReadSlice('\n')
		if err != nil || !bytes.Equal(line, s.replies[k%cycle]) {
			errs.Add(1)
		} else {
			h.record(time.Since(start))
			messages.Add(1)
		}
		io.Copy(io.Discard, r)
		conn.Close()
	}
}

func main() {
	flag.Parse()
	var wg sync.WaitGroup
	hists := make([]histogram, *conns)
	start := time.Now()
	for i := 0; i < *conns; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			switch *mode {
			case "lockstep":
				steady(i, 1, &hists[i])
			case "pipeline":
				steady(i, *depth, &hists[i])
			case "churn":
				churn(i, &hists[i])
			default:
				fmt.Fprintln(os.Stderr, "unknown mode", *mode)
				os.Exit(2)
			}
		}(i)
	}
	time.Sleep(*duration)
	stop.Store(true)
	wg.Wait()
	fmt.Printf("{\"messages\": %d, \"errors\": %d, \"seconds\": %.3f}\n",
		messages.Load(), errs.Load(), time.Since(start).Seconds())
}
