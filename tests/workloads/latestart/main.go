// Command latestart traces a process that has already run thousands of goroutines, as a trace
// started late in a long-running server does: goroutine IDs begin high, one goroutine lives
// across the whole trace, and short-lived ones are created during it. A decoder that keeps
// states by ID in an array for small IDs and a hash map for the others sees the long-lived
// goroutine's ID as large at first; the IDs that follow make it small.
//
//	latestart -trace=out.trace [-before=5000] [-during=8000]
package main

import (
	"flag"
	"log"
	"os"
	"runtime/trace"
	"sync"
)

func main() {
	out := flag.String("trace", "", "write the execution trace here")
	before := flag.Int("before", 5000, "goroutines run before the trace starts")
	during := flag.Int("during", 8000, "goroutines run while tracing")
	flag.Parse()
	if *out == "" {
		log.Fatal("-trace is required")
	}
	var wg sync.WaitGroup
	run := func(n int) {
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() { wg.Done() }()
		}
		wg.Wait()
	}
	run(*before)
	// Alive for the whole trace, woken now and then: its ID is the first high one the trace sees.
	tick := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range tick {
		}
	}()
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := trace.Start(f); err != nil {
		log.Fatal(err)
	}
	const batch = 1000
	for n := 0; n < *during; n += batch {
		run(min(batch, *during-n))
		tick <- struct{}{}
	}
	close(tick)
	<-done
	trace.Stop()
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
