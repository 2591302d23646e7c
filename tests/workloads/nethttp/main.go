// Command nethttp traces loopback net/http traffic: slow handlers waiting on timers, select,
// channels and a context deadline, served to concurrent clients in the same process.
//
//	nethttp -trace=out.trace [-requests=N] [-clients=N]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"runtime/trace"
	"sync"
	"time"
)

// A background "database" goroutine: requests go in over a channel, answers come back later.
type query struct {
	key   int
	reply chan int
}

var db = make(chan query)

func dbLoop(stop <-chan struct{}) {
	ticker := time.NewTicker(2 * time.Millisecond)
	defer ticker.Stop()
	var pending []query
	for {
		select {
		case q := <-db:
			pending = append(pending, q)
		case <-ticker.C:
			for _, q := range pending {
				q.reply <- q.key * 2
			}
			pending = pending[:0]
		case <-stop:
			return
		}
	}
}

func slow(w http.ResponseWriter, r *http.Request) {
	var d time.Duration
	fmt.Sscan(r.URL.Query().Get("ms"), &d)
	select {
	case <-time.After(d * time.Millisecond):
		fmt.Fprintf(w, "slept %dms\n", d)
	case <-r.Context().Done():
		http.Error(w, "cancelled", http.StatusServiceUnavailable)
	}
}

func lookup(w http.ResponseWriter, r *http.Request) {
	reply := make(chan int, 1)
	db <- query{key: len(r.URL.Path), reply: reply}
	timer := time.NewTimer(50 * time.Millisecond)
	defer timer.Stop()
	select {
	case v := <-reply:
		json.NewEncoder(w).Encode(map[string]int{"value": v})
	case <-timer.C:
		http.Error(w, "timeout", http.StatusGatewayTimeout)
	}
}

func upload(w http.ResponseWriter, r *http.Request) {
	n, _ := io.Copy(io.Discard, r.Body)
	fmt.Fprintf(w, "%d bytes\n", n)
}

func stream(w http.ResponseWriter, r *http.Request) {
	f, _ := w.(http.Flusher)
	for i := 0; i < 5; i++ {
		fmt.Fprintf(w, "chunk %d\n", i)
		if f != nil {
			f.Flush()
		}
		time.Sleep(time.Millisecond)
	}
}

func main() {
	traceFile := flag.String("trace", "", "write an execution trace to this file")
	requests := flag.Int("requests", 60, "requests per client")
	clients := flag.Int("clients", 6, "concurrent clients")
	flag.Parse()
	if *traceFile == "" {
		log.Fatal("usage: nethttp -trace=FILE")
	}
	out, err := os.Create(*traceFile)
	if err != nil {
		log.Fatal(err)
	}
	if err := trace.Start(out); err != nil {
		log.Fatal(err)
	}

	stop := make(chan struct{})
	go dbLoop(stop)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", slow)
	mux.HandleFunc("/lookup", lookup)
	mux.HandleFunc("/upload", upload)
	mux.HandleFunc("/stream", stream)
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()

	payload := bytes.Repeat([]byte("gopher "), 4096)
	var wg sync.WaitGroup
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			client := &http.Client{}
			for i := 0; i < *requests; i++ {
				var resp *http.Response
				var err error
				switch (c + i) % 5 {
				case 0:
					resp, err = client.Get(fmt.Sprintf("%s/slow?ms=%d", base, 1+(i%4)))
				case 1:
					resp, err = client.Get(base + "/lookup")
				case 2:
					resp, err = client.Post(base+"/upload", "text/plain", bytes.NewReader(payload))
				case 3:
					resp, err = client.Get(base + "/stream")
				case 4:
					// A client that gives up: the handler sees its context cancelled.
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Millisecond)
					req, _ := http.NewRequestWithContext(ctx, "GET", base+"/slow?ms=20", nil)
					resp, err = client.Do(req)
					if err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
					cancel()
					continue
				}
				if err != nil {
					log.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}(c)
	}
	wg.Wait()
	close(stop)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	srv.Shutdown(ctx)
	cancel()
	trace.Stop()
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
}
