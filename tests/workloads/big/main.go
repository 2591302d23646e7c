// Command big writes a large trace (default ~200 MB) for benchmarks: rounds of short-lived
// goroutines contending on a mutex, talking over channels, allocating and sleeping, until the
// trace writer has received -bytes bytes.
//
//	big -trace=out.trace [-bytes=200000000]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/trace"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type countingWriter struct {
	w *bufio.Writer
	n atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return c.w.Write(p)
}

var (
	mu      sync.Mutex
	results []string
)

func task(id int, in <-chan int, out chan<- int) {
	v := <-in
	s := strings.Repeat(fmt.Sprint(id), 8)
	mu.Lock()
	results = append(results, s)
	if len(results) > 10000 {
		results = nil
	}
	mu.Unlock()
	if id%16 == 0 {
		time.Sleep(50 * time.Microsecond)
	}
	out <- v + len(s)
}

func main() {
	traceFile := flag.String("trace", "", "write an execution trace to this file")
	target := flag.Int64("bytes", 200_000_000, "stop once the trace has this many bytes")
	flag.Parse()
	if *traceFile == "" {
		log.Fatal("usage: big -trace=FILE")
	}
	f, err := os.Create(*traceFile)
	if err != nil {
		log.Fatal(err)
	}
	cw := &countingWriter{w: bufio.NewWriterSize(f, 1<<20)}
	if err := trace.Start(cw); err != nil {
		log.Fatal(err)
	}
	for round := 0; cw.n.Load() < *target; round++ {
		in := make(chan int)
		out := make(chan int, 64)
		var wg sync.WaitGroup
		for i := 0; i < 256; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				task(round*256+i, in, out)
			}(i)
		}
		go func() {
			for i := 0; i < 256; i++ {
				in <- i
			}
		}()
		for i := 0; i < 256; i++ {
			<-out
		}
		wg.Wait()
	}
	trace.Stop()
	if err := cw.w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
