//go:build go1.25

// Command flightrecorder keeps a runtime/trace flight recorder running under a simulated
// service; when a request's latency spikes, it writes the recorder's snapshot (the last
// moments before and including the spike) to the -trace file.
//
//	flightrecorder -trace=out.trace [-requests=N] [-spike=N] [-clients=N] [-min-age=D]
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/trace"
	"strings"
	"sync"
	"time"
)

var (
	cacheMu sync.Mutex
	cache   = map[string]string{}
)

// handle simulates one request; the spike-th one holds the cache lock far too long.
func handle(i, spike int) {
	key := fmt.Sprintf("k%d", i%50)
	cacheMu.Lock()
	v, ok := cache[key]
	if !ok {
		v = strings.Repeat(key, 20)
		cache[key] = v
	}
	if i == spike {
		time.Sleep(30 * time.Millisecond) // the latency spike
	}
	cacheMu.Unlock()
	_ = strings.ToUpper(v)
	time.Sleep(200 * time.Microsecond)
}

func main() {
	traceFile := flag.String("trace", "", "write the flight recorder's snapshot to this file")
	requests := flag.Int("requests", 3000, "requests to simulate")
	spike := flag.Int("spike", 2500, "which request is slow")
	clients := flag.Int("clients", 8, "concurrent clients")
	minAge := flag.Duration("min-age", 100*time.Millisecond, "the flight recorder's MinAge")
	flag.Parse()
	if *traceFile == "" {
		log.Fatal("usage: flightrecorder -trace=FILE")
	}
	fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{
		MinAge:   *minAge,
		MaxBytes: 1 << 20,
	})
	if err := fr.Start(); err != nil {
		log.Fatal(err)
	}

	var (
		captureOnce sync.Once
		captured    bool
		wg          sync.WaitGroup
		next        = make(chan int)
	)
	capture := func(took time.Duration) {
		captureOnce.Do(func() {
			out, err := os.Create(*traceFile)
			if err != nil {
				log.Fatal(err)
			}
			if _, err := fr.WriteTo(out); err != nil {
				log.Fatal(err)
			}
			if err := out.Close(); err != nil {
				log.Fatal(err)
			}
			captured = true
			fmt.Fprintf(os.Stderr, "flightrecorder: %v request captured\n", took)
		})
	}
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				start := time.Now()
				handle(i, *spike)
				if took := time.Since(start); took > 20*time.Millisecond {
					capture(took)
				}
			}
		}()
	}
	for i := 0; i < *requests; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	fr.Stop()
	if !captured {
		log.Fatal("no latency spike was seen; nothing written")
	}
}
