// Command workshop is the profiling workshop's exercise: an HTTP file-search server with a
// deliberately poor design, traced while a load client in the same process hammers it.
//
// Each request starts one goroutine per file (the `go` statement in handleSearch); each of them
// reads its file, splits and lowercases lines with allocation-heavy string work, and appends
// every match to a global slice under the global resultsMu (inside searchFile). Expect heavy
// contention on resultsMu, thousands of short-lived goroutines and frequent GC.
//
//	workshop -trace=out.trace [-duration=2s] [-requests=N] [-files=N] [-lines=N] [-clients=N]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/trace"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var (
	resultsMu sync.Mutex
	results   []string
)

var words = []string{
	"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
	"juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
	"sierra", "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu",
	"Gopher", "Trace", "Mutex", "Channel", "Scheduler", "Heap", "Stack", "Goroutine",
}

// generate writes n text files of the given number of lines into dir.
func generate(dir string, n, lines int) ([]string, error) {
	rng := rand.New(rand.NewSource(42))
	var paths []string
	for i := 0; i < n; i++ {
		p := filepath.Join(dir, fmt.Sprintf("doc-%03d.txt", i))
		f, err := os.Create(p)
		if err != nil {
			return nil, err
		}
		w := bufio.NewWriter(f)
		for l := 0; l < lines; l++ {
			k := 5 + rng.Intn(10)
			for j := 0; j < k; j++ {
				if j > 0 {
					w.WriteByte(' ')
				}
				w.WriteString(words[rng.Intn(len(words))])
			}
			w.WriteByte('\n')
		}
		if err := w.Flush(); err != nil {
			return nil, err
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// searchFile reads path and records every line containing query (case-insensitively).
func searchFile(path, query string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	q := strings.ToLower(query)
	for i, line := range strings.Split(string(data), "\n") {
		lower := strings.ToLower(line)
		fields := strings.Fields(lower)
		for _, f := range fields {
			if f == q {
				resultsMu.Lock()
				results = append(results, fmt.Sprintf("%s:%d: %s", filepath.Base(path), i+1, line))
				resultsMu.Unlock()
			}
		}
	}
}

type server struct {
	files []string
}

func (s *server) handleSearch(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query().Get("q")
	resultsMu.Lock()
	before := len(results)
	resultsMu.Unlock()

	var wg sync.WaitGroup
	for _, path := range s.files {
		wg.Add(1)
		go func(path string) {
			defer wg.Done()
			searchFile(path, query)
		}(path)
	}
	wg.Wait()

	resultsMu.Lock()
	n := len(results) - before
	if len(results) > 50000 {
		results = nil // keep memory bounded; the garbage is part of the exercise
	}
	resultsMu.Unlock()
	fmt.Fprintf(w, "%d matches for %q\n", n, query)
}

func main() {
	traceFile := flag.String("trace", "", "write an execution trace to this file")
	duration := flag.Duration("duration", 2*time.Second, "stop after this long")
	requests := flag.Int("requests", 0, "stop after this many requests (0: no limit)")
	nfiles := flag.Int("files", 40, "number of generated files to search")
	nlines := flag.Int("lines", 200, "lines per generated file")
	clients := flag.Int("clients", 4, "concurrent load clients")
	flag.Parse()
	if *traceFile == "" {
		log.Fatal("usage: workshop -trace=FILE")
	}

	dir, err := os.MkdirTemp("", "workshop-docs-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	files, err := generate(dir, *nfiles, *nlines)
	if err != nil {
		log.Fatal(err)
	}

	out, err := os.Create(*traceFile)
	if err != nil {
		log.Fatal(err)
	}
	if err := trace.Start(out); err != nil {
		log.Fatal(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/search", (&server{files: files}).handleSearch)
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)

	stop := make(chan struct{})
	var once sync.Once
	halt := func() { once.Do(func() { close(stop) }) }
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	go func() {
		select {
		case <-sig:
			halt()
		case <-time.After(*duration):
			halt()
		case <-stop:
		}
	}()

	var done int64
	var wg sync.WaitGroup
	url := "http://" + ln.Addr().String() + "/search?q="
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients}}
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Get(url + words[(c*7+i)%len(words)])
				if err != nil {
					log.Print(err)
					halt()
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if n := atomic.AddInt64(&done, 1); *requests > 0 && n >= int64(*requests) {
					halt()
					return
				}
			}
		}(c)
	}
	wg.Wait()
	srv.Close()
	trace.Stop()
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "workshop: %d requests\n", atomic.LoadInt64(&done))
}
