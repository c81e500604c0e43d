package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// readCPU reads CPU time from Linux's /proc: this process's (utime +
// stime from /proc/self/stat) and the whole machine's busy time (the "cpu"
// line of /proc/stat: user, nice, system and steal; irq and softirq are
// left out because loopback traffic is processed there, on behalf of this
// very process, without being charged to it). The difference over a measurement
// is CPU that other processes took from these two cores, which is what
// makes a round noisy; the report shows it so that a disturbed round can be
// recognised. Both files count in USER_HZ ticks (100 per second on Linux).
// Off Linux every reading is zero and so are the figures derived from it.
// cpuReading is one snapshot.
type cpuReading struct {
	self, busy int64 // ticks
	at         time.Time
}

const ticksPerSecond = 100

func readCPU() cpuReading {
	return cpuReading{self: selfTicks(), busy: busyTicks(), at: time.Now()}
}

// cpuUse is what happened between two readings, in cores (1.0 = one core
// busy for the whole interval).
type cpuUse struct {
	Self, Others float64
}

func cpuBetween(a, b cpuReading) cpuUse {
	secs := b.at.Sub(a.at).Seconds()
	if secs <= 0 || a.busy == 0 || b.busy == 0 {
		return cpuUse{}
	}
	self := float64(b.self-a.self) / ticksPerSecond / secs
	busy := float64(b.busy-a.busy) / ticksPerSecond / secs
	return cpuUse{Self: self, Others: max(busy-self, 0)}
}

// selfTicks is utime + stime of this process (fields 14 and 15 of
// /proc/self/stat; counting starts after the parenthesised command name,
// which may itself contain spaces).
func selfTicks() int64 {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0
	}
	return atoi(f[11]) + atoi(f[12])
}

// busyTicks is the machine's busy time outside interrupts: user, nice,
// system and steal from the first line of /proc/stat.
func busyTicks() int64 {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	// f[1..8]: user nice system idle iowait irq softirq steal
	return atoi(f[1]) + atoi(f[2]) + atoi(f[3]) + atoi(f[8])
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
