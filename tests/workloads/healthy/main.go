// Command healthy is a well-behaved program: a bounded worker pool (a semaphore of GOMAXPROCS
// slots; each job runs on its own short-lived goroutine), CPU-bound jobs of about a millisecond
// that reuse pooled buffers (little garbage), results combined with an atomic add (no shared
// lock). All Ps stay busy and nothing waits long. Its trace should raise no alarms.
//
//	healthy -trace=out.trace [-jobs=4000] [-rounds=8]
package main

import (
	"crypto/sha256"
	"flag"
	"log"
	"os"
	"runtime"
	"runtime/trace"
	"sync"
	"sync/atomic"
	"time"
)

var buffers = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// job hashes a pooled buffer `rounds` times; about a millisecond of CPU for the default 8.
func job(i, rounds int) uint64 {
	bp := buffers.Get().(*[]byte)
	buf := *bp
	for k := range buf {
		buf[k] = byte(i + k)
	}
	var sum uint64
	for r := 0; r < rounds; r++ {
		s := sha256.Sum256(buf)
		buf[r] ^= s[0]
		sum += uint64(s[1])
	}
	buffers.Put(bp)
	return sum
}

func main() {
	traceFile := flag.String("trace", "", "write an execution trace to this file")
	njobs := flag.Int("jobs", 4000, "how many jobs to run")
	rounds := flag.Int("rounds", 8, "sha256 rounds over 64 KiB per job")
	flag.Parse()
	if *traceFile == "" {
		log.Fatal("usage: healthy -trace=FILE")
	}
	out, err := os.Create(*traceFile)
	if err != nil {
		log.Fatal(err)
	}
	if err := trace.Start(out); err != nil {
		log.Fatal(err)
	}

	workers := runtime.GOMAXPROCS(0)
	sem := make(chan struct{}, workers)
	var (
		wg    sync.WaitGroup
		total atomic.Uint64
	)
	start := time.Now()
	for i := 0; i < *njobs; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() {
				<-sem
				wg.Done()
			}()
			total.Add(job(i, *rounds))
		}(i)
	}
	wg.Wait()
	trace.Stop()
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
	log.Printf("healthy: %d jobs in %v, checksum %d", *njobs, time.Since(start), total.Load())
}
