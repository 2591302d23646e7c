// Command healthy is a well-behaved program: a bounded worker pool (one worker per P) fed by a
// buffered channel that never runs dry, CPU-bound jobs that reuse their buffers (little
// garbage), per-worker results (no shared lock). Its trace should raise no alarms.
//
//	healthy -trace=out.trace [-duration=2s] [-queue=16]
package main

import (
	"crypto/sha256"
	"flag"
	"log"
	"os"
	"runtime"
	"runtime/trace"
	"sync"
	"time"
)

type job struct {
	seed byte
	size int
}

func main() {
	traceFile := flag.String("trace", "", "write an execution trace to this file")
	duration := flag.Duration("duration", 2*time.Second, "how long to run")
	queue := flag.Int("queue", 16, "job queue capacity")
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
	jobs := make(chan job, *queue)
	sums := make([][32]byte, workers)
	counts := make([]int, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			buf := make([]byte, 64<<10)
			for j := range jobs {
				for i := range buf[:j.size] {
					buf[i] = j.seed + byte(i)
				}
				for k := 0; k < 4; k++ {
					s := sha256.Sum256(buf[:j.size])
					sums[w][k] ^= s[k]
				}
				counts[w]++
			}
		}(w)
	}
	deadline := time.Now().Add(*duration)
	for i := 0; time.Now().Before(deadline); i++ {
		for k := 0; k < 16; k++ {
			jobs <- job{seed: byte(i + k), size: 16<<10 + (k%4)<<12}
		}
	}
	close(jobs)
	wg.Wait()
	total := 0
	for _, c := range counts {
		total += c
	}
	trace.Stop()
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
	log.Printf("healthy: %d jobs", total)
}
