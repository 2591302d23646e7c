// Command cpuprofile runs CPU-bound work with the CPU profiler on while tracing, so the trace
// carries CPU samples (StackSample events): ≥ 20 of them at the profiler's 100 Hz. The
// CPU-bound loops yield (runtime.Gosched) between chunks, so the scheduler has plenty to show.
//
//	cpuprofile -trace=out.trace [-cpu=800ms] [-workers=2] [-spawn=1ms]
package main

import (
	"crypto/sha256"
	"flag"
	"io"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"sync"
	"time"
)

var sink [32]byte

// fib is deliberately recursive: deep, varied stacks in the samples.
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func hashLoop(deadline time.Time) {
	buf := make([]byte, 4096)
	for i := range buf {
		buf[i] = byte(i)
	}
	for time.Now().Before(deadline) {
		for i := 0; i < 64; i++ {
			sink = sha256.Sum256(buf)
			buf[i] ^= sink[i%32]
		}
		runtime.Gosched()
	}
}

func sortLoop(deadline time.Time) {
	xs := make([]int, 5000)
	for time.Now().Before(deadline) {
		for i := range xs {
			xs[i] = (i * 7919) % 5003
		}
		sort.Ints(xs)
		runtime.Gosched()
	}
}

func fibLoop(deadline time.Time) {
	for time.Now().Before(deadline) {
		sink[0] = byte(fib(22))
		runtime.Gosched()
	}
}

func main() {
	traceFile := flag.String("trace", "", "write an execution trace to this file")
	cpu := flag.Duration("cpu", 800*time.Millisecond, "how long each worker burns CPU")
	workers := flag.Int("workers", 2, "CPU-bound goroutines per kind of work")
	spawn := flag.Duration("spawn", time.Millisecond, "how often to start a batch of short goroutines")
	flag.Parse()
	if *traceFile == "" {
		log.Fatal("usage: cpuprofile -trace=FILE")
	}
	out, err := os.Create(*traceFile)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(io.Discard); err != nil {
		log.Fatal(err)
	}
	if err := trace.Start(out); err != nil {
		log.Fatal(err)
	}
	deadline := time.Now().Add(*cpu)
	var wg sync.WaitGroup
	for _, f := range []func(time.Time){hashLoop, sortLoop, fibLoop} {
		for w := 0; w < *workers; w++ {
			wg.Add(1)
			go func(f func(time.Time)) {
				defer wg.Done()
				f(deadline)
			}(f)
		}
	}
	// Some short-lived goroutines and timers alongside, so the scheduler has work to show.
	ticker := time.NewTicker(*spawn)
	results := make(chan int)
	for time.Now().Before(deadline) {
		<-ticker.C
		for k := 0; k < 4; k++ {
			go func(k int) { results <- fib(12 + k) }(k)
		}
		for k := 0; k < 4; k++ {
			sink[1] ^= byte(<-results)
		}
	}
	ticker.Stop()
	wg.Wait()
	trace.Stop()
	pprof.StopCPUProfile()
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
}
