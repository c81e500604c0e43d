package dedup_test

import (
	"fmt"
	"time"

	"github.com/rampartsec/rampart/internal/dedup"
)

func ExampleWindow() {
	events, err := dedup.New(time.Minute, 10000)
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	fmt.Println(events.First("ip:192.0.2.7", now))                     // first refusal: report it
	fmt.Println(events.First("ip:192.0.2.7", now.Add(time.Second)))    // same window: fold it
	fmt.Println(events.First("ip:192.0.2.7", now.Add(61*time.Second))) // next window: report again
	// Output:
	// true
	// false
	// true
}
