// Command stress starts thousands of short goroutines exercising every sync primitive (Mutex,
// RWMutex, Cond, WaitGroup, Once, channels, select), file syscalls and GC pressure.
//
//	stress -trace=out.trace [-goroutines=N] [-rounds=N]
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/trace"
	"sync"
	"time"
)

var (
	mu      sync.Mutex
	counter int
	rw      sync.RWMutex
	table   = map[int]int{}
	condMu  sync.Mutex
	cond    = sync.NewCond(&condMu)
	ready   int
	once    sync.Once
	garbage [][]byte
	sinkMu  sync.Mutex
)

func expensiveInit() { time.Sleep(100 * time.Microsecond) }

func worker(id int, dir string, ch chan int, done <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	once.Do(expensiveInit)
	switch id % 6 {
	case 0: // Mutex
		for i := 0; i < 5; i++ {
			mu.Lock()
			counter++
			mu.Unlock()
		}
	case 1: // RWMutex: mostly readers, some writers
		if id%12 == 1 {
			rw.Lock()
			table[id] = id
			rw.Unlock()
		} else {
			rw.RLock()
			_ = table[id-1]
			rw.RUnlock()
		}
	case 2: // Cond
		condMu.Lock()
		ready++
		cond.Broadcast()
		for ready%3 != 0 {
			cond.Wait()
			break
		}
		condMu.Unlock()
	case 3: // channels and select
		select {
		case ch <- id:
		case v := <-ch:
			_ = v
		case <-done:
		case <-time.After(time.Millisecond):
		}
	case 4: // file syscalls
		p := filepath.Join(dir, fmt.Sprintf("f%d", id%16))
		if err := os.WriteFile(p, []byte(fmt.Sprintf("goroutine %d\n", id)), 0o644); err == nil {
			os.ReadFile(p)
		}
	case 5: // garbage
		b := make([]byte, 16<<10)
		sinkMu.Lock()
		garbage = append(garbage, b)
		if len(garbage) > 64 {
			garbage = nil
		}
		sinkMu.Unlock()
	}
}

func main() {
	traceFile := flag.String("trace", "", "write an execution trace to this file")
	goroutines := flag.Int("goroutines", 800, "goroutines per round")
	rounds := flag.Int("rounds", 5, "rounds")
	flag.Parse()
	if *traceFile == "" {
		log.Fatal("usage: stress -trace=FILE")
	}
	dir, err := os.MkdirTemp("", "stress-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	out, err := os.Create(*traceFile)
	if err != nil {
		log.Fatal(err)
	}
	if err := trace.Start(out); err != nil {
		log.Fatal(err)
	}
	ch := make(chan int)
	done := make(chan struct{})
	for r := 0; r < *rounds; r++ {
		var wg sync.WaitGroup
		for i := 0; i < *goroutines; i++ {
			wg.Add(1)
			go worker(r**goroutines+i, dir, ch, done, &wg)
		}
		// Wake any Cond waiters left behind, then wait for the round.
		stopWake := make(chan struct{})
		go func() {
			t := time.NewTicker(200 * time.Microsecond)
			defer t.Stop()
			for {
				select {
				case <-stopWake:
					return
				case <-t.C:
					condMu.Lock()
					ready = 0
					cond.Broadcast()
					condMu.Unlock()
				}
			}
		}()
		wg.Wait()
		close(stopWake)
		if r == *rounds/2 {
			runtime.GC()
		}
	}
	close(done)
	trace.Stop()
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
}
