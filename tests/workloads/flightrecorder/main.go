//go:build go1.25

// Command flightrecorder keeps a runtime/trace flight recorder running under a simulated
// service; when a request's latency spikes, it writes the recorder's snapshot (the last
// moments before and including the spike) to the -trace file. The spike comes ~3 s into the
// run, after the runtime has started several trace generations (~1 s each), so the snapshot
// starts mid-run: goroutines already exist, blocked or running, when it begins.
//
//	flightrecorder -trace=out.trace [-requests=N] [-spike=N] [-clients=N] [-min-age=D] [-pause=D] [-min-bytes=N]
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

// handle simulates one request; the spike-th one (and every 1500th after it) holds the cache
// lock far too long.
func handle(i, spike int, pause time.Duration) {
	key := fmt.Sprintf("k%d", i%50)
	cacheMu.Lock()
	v, ok := cache[key]
	if !ok {
		v = strings.Repeat(key, 20)
		cache[key] = v
	}
	if i >= spike && (i-spike)%1500 == 0 {
		time.Sleep(30 * time.Millisecond) // the latency spike
	}
	cacheMu.Unlock()
	_ = strings.ToUpper(v)
	time.Sleep(pause)
}

func main() {
	traceFile := flag.String("trace", "", "write the flight recorder's snapshot to this file")
	requests := flag.Int("requests", 15000, "requests to simulate")
	spike := flag.Int("spike", 11000, "which request is slow")
	clients := flag.Int("clients", 4, "concurrent clients")
	minAge := flag.Duration("min-age", 100*time.Millisecond, "the flight recorder's MinAge")
	pause := flag.Duration("pause", time.Millisecond, "how long each request sleeps")
	minBytes := flag.Int64("min-bytes", 50000, "capture again at the next spike if the snapshot is smaller")
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
		captureMu sync.Mutex
		captured  bool
		wg        sync.WaitGroup
		next      = make(chan int)
	)
	// capture writes the snapshot; if the recorder had just dropped its older data (the
	// snapshot is under -min-bytes), the next spike is captured again.
	capture := func(took time.Duration) {
		captureMu.Lock()
		defer captureMu.Unlock()
		if captured {
			return
		}
		out, err := os.Create(*traceFile)
		if err != nil {
			log.Fatal(err)
		}
		n, err := fr.WriteTo(out)
		if err != nil {
			log.Fatal(err)
		}
		if err := out.Close(); err != nil {
			log.Fatal(err)
		}
		captured = n >= *minBytes
		fmt.Fprintf(os.Stderr, "flightrecorder: %v request captured (%d bytes)\n", took, n)
	}
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				start := time.Now()
				handle(i, *spike, *pause)
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
