//go:build !go1.25

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "flightrecorder: runtime/trace.FlightRecorder needs Go 1.25 or later")
	os.Exit(2)
}
