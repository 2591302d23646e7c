// Command annotations exercises runtime/trace user annotations: tasks (one "order" task spanning
// several goroutines, with child tasks), nested regions and logs with categories.
//
//	annotations -trace=out.trace [-orders=N] [-workers=N]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/trace"
	"sort"
	"strings"
	"sync"
	"time"
)

var sink []string

func work(n int) int {
	s := 0
	parts := make([]string, 0, n)
	for i := 0; i < n; i++ {
		s += i * i % 7
		parts = append(parts, fmt.Sprint(i))
	}
	sink = append(sink[:0], strings.Join(parts, ","))
	return s
}

// stage runs one pipeline stage of an order on its own goroutine, inside the order's task.
func stage(ctx context.Context, order, step int, out chan<- int) {
	trace.WithRegion(ctx, "stage", func() {
		trace.Logf(ctx, "stage", "order %d step %d", order, step)
		r := trace.StartRegion(ctx, "compute")
		v := work(200 + 50*step)
		inner := trace.StartRegion(ctx, "compute.inner")
		v += work(100)
		inner.End()
		r.End()
		if step%2 == 0 {
			trace.WithRegion(ctx, "sleep", func() { time.Sleep(200 * time.Microsecond) })
		}
		out <- v
	})
}

func processOrder(ctx context.Context, order, steps int) {
	ctx, task := trace.NewTask(ctx, "order")
	defer task.End()
	trace.Log(ctx, "order", fmt.Sprintf("start %d", order))

	out := make(chan int, steps)
	var wg sync.WaitGroup
	for step := 0; step < steps; step++ {
		wg.Add(1)
		go func(step int) {
			defer wg.Done()
			stage(ctx, order, step, out)
		}(step)
	}
	trace.WithRegion(ctx, "wait", wg.Wait)
	close(out)

	// A child task for the checkout, itself spanning a goroutine.
	cctx, checkout := trace.NewTask(ctx, "checkout")
	total := 0
	trace.WithRegion(cctx, "sum", func() {
		for v := range out {
			total += v
		}
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer trace.StartRegion(cctx, "audit").End()
		trace.Logf(cctx, "audit", "total=%d", total)
		if order%5 == 0 {
			trace.Log(cctx, "warning", "large order")
		}
	}()
	<-done
	checkout.End()
	trace.Logf(ctx, "order", "done %d", order)
}

func main() {
	traceFile := flag.String("trace", "", "write an execution trace to this file")
	orders := flag.Int("orders", 200, "number of orders (tasks)")
	workers := flag.Int("workers", 4, "orders processed concurrently")
	steps := flag.Int("steps", 4, "goroutines per order")
	flag.Parse()
	if *traceFile == "" {
		log.Fatal("usage: annotations -trace=FILE")
	}
	out, err := os.Create(*traceFile)
	if err != nil {
		log.Fatal(err)
	}
	if err := trace.Start(out); err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// A task that is still open when the trace stops, with a region left open too.
	openCtx, _ := trace.NewTask(ctx, "unfinished")
	trace.Log(openCtx, "", "log without category")
	_ = trace.StartRegion(openCtx, "never-ended")

	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for order := range jobs {
				processOrder(ctx, order, *steps)
			}
		}()
	}
	trace.WithRegion(ctx, "dispatch", func() {
		for i := 0; i < *orders; i++ {
			jobs <- i
		}
		close(jobs)
	})
	wg.Wait()

	keys := make([]string, 0, 3)
	for _, k := range []string{"b", "a", "c"} {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	trace.Log(ctx, "summary", strings.Join(keys, ""))

	trace.Stop()
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
}
