// tccallbench measures tccall's Go package next to Tencent's official Go SDKs, one case per
// run, and prints one JSON line (README.md has the cases and the invocations):
//
//	tccallbench -case e2e_tccall -sandbox client.json -threads 4 -seconds 2
//	{"case":"e2e_tccall","threads":4,"seconds":2.00,"ops":51234,"us_per_op":39.04,"cpu_us_per_op":36.8,"ops_s":25617}
//
// us_per_op is wall time over the operations done (the inverse of the throughput, so the
// latency with one thread); cpu_us_per_op is this process's user+system CPU over the same
// window (getrusage), divided by the operations.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The official tls-sig-api-v2 demo key and app, the keys compare.py signs with locally.
const (
	localAppID     = 1400000000
	localKey       = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
	localSecretID  = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
	localSecretKey = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
	userID         = "xiaojun"
	roomID         = 424242 // no such room: every DismissRoom is a full round trip ending in RoomNotExist
)

// options are the command line.
type options struct {
	caseName string
	seconds  float64
	threads  int
	sandbox  string // the sandbox's client config file (tccall-sandbox --config-out)
	https    bool
	tenants  int
	calls    int
	smaps    bool // rss_*: also the RSS by mapping kind (smapsKiB)
}

// sandboxConfig is the tccall client config a sandbox printed, with the parts the official
// client and the floor need.
type sandboxConfig struct {
	raw      map[string]any
	appID    uint64
	secretID string
	secret   string
	region   string
	endpoint string // scheme://host:port
	caPEM    string // the sandbox's CA (an HTTPS config), "" otherwise
}

// timedCase makes the operation a timed case repeats (shared by every goroutine) and a
// cleanup; rssCase runs the RSS measurement itself.
type timedCase func(o *options) (op func() error, cleanup func(), err error)
type rssCase func(o *options, cfg *sandboxConfig) (result map[string]any, err error)

var (
	timedCases = map[string]timedCase{}
	rssCases   = map[string]rssCase{}
	skipped    = map[string]string{} // case -> why it is not built in
)

func main() {
	var o options
	flag.StringVar(&o.caseName, "case", "", "the case to run (-list names them)")
	flag.Float64Var(&o.seconds, "seconds", 2, "how long a timed case runs")
	flag.IntVar(&o.threads, "threads", 1, "goroutines sharing one client")
	flag.StringVar(&o.sandbox, "sandbox", "", "the sandbox's client config JSON file (tccall-sandbox --config-out FILE, or its 2nd/4th stdout line)")
	flag.BoolVar(&o.https, "https", false, "talk HTTPS to the sandbox (its endpoints turned https://, trusting the CA in the config's tls.ca_pem or -ca)")
	flag.IntVar(&o.tenants, "tenants", 100, "rss_*: clients, one per tenant")
	flag.IntVar(&o.calls, "calls", 100000, "rss_*: DismissRoom calls, round robin across the tenants")
	flag.BoolVar(&o.smaps, "smaps", false, "rss_*: add rss_by_kind_kib, the RSS by mapping kind from /proc/self/smaps")
	ca := flag.String("ca", "", "with -https: the sandbox's CA certificate file (when the config has no tls.ca_pem)")
	list := flag.Bool("list", false, "list the cases")
	flag.Parse()
	if *list {
		fmt.Println(strings.Join(caseNames(), "\n"))
		return
	}
	if why, ok := skipped[o.caseName]; ok {
		emit(map[string]any{"case": o.caseName, "skipped": why})
		return
	}
	if o.threads < 1 || o.seconds <= 0 {
		fail("-threads must be at least 1 and -seconds positive")
	}
	caseCA = *ca
	if rc, ok := rssCases[o.caseName]; ok {
		cfg := mustSandbox(&o)
		res, err := rc(&o, cfg)
		if err != nil {
			fail(err.Error())
		}
		emit(res)
		return
	}
	tc, ok := timedCases[o.caseName]
	if !ok {
		fail(fmt.Sprintf("unknown case %q; cases: %s", o.caseName, strings.Join(caseNames(), ", ")))
	}
	op, cleanup, err := tc(&o)
	if err != nil {
		fail(err.Error())
	}
	defer cleanup()
	emit(timed(&o, op))
}

var caseCA string

func caseNames() []string {
	var names []string
	for n := range timedCases {
		names = append(names, n)
	}
	for n := range rssCases {
		names = append(names, n)
	}
	for n := range skipped {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// timed warms op up, then runs it from o.threads goroutines for o.seconds.
func timed(o *options, op func() error) map[string]any {
	for i := 0; i < 200; i++ { // connections, caches, code paths
		if err := op(); err != nil {
			fail(o.caseName + ": " + err.Error())
		}
	}
	runtime.GC()
	var stop atomic.Bool
	var total atomic.Int64
	var firstErr atomic.Pointer[error]
	var wg sync.WaitGroup
	ready := make(chan struct{})
	for t := 0; t < o.threads; t++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ready
			n := int64(0)
			for !stop.Load() {
				if err := op(); err != nil {
					firstErr.CompareAndSwap(nil, &err)
					stop.Store(true)
				}
				n++
			}
			total.Add(n)
		}()
	}
	cpu0 := cpuTime()
	start := time.Now()
	close(ready)
	time.Sleep(time.Duration(o.seconds * float64(time.Second)))
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	if e := firstErr.Load(); e != nil {
		fail(o.caseName + ": " + (*e).Error())
	}
	ops := total.Load()
	return map[string]any{
		"case": o.caseName, "threads": o.threads, "seconds": round(elapsed.Seconds(), 3), "ops": ops,
		"us_per_op":     round(float64(elapsed.Microseconds())/float64(ops), 3),
		"cpu_us_per_op": round(float64(cpu.Microseconds())/float64(ops), 3),
		"ops_s":         round(float64(ops)/elapsed.Seconds(), 1),
	}
}

// cpuTime is this process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fail("getrusage: " + err.Error())
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssKiB is VmRSS from /proc/self/status.
func rssKiB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		fail(err.Error())
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kib int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kib)
			return kib
		}
	}
	fail("no VmRSS in /proc/self/status")
	return 0
}

// roundRobin makes o.calls calls of call(tenant) from o.threads goroutines, call i going to
// tenant i % tenants, and returns the result line with the RSS after a GC.
func roundRobin(o *options, tenants int, call func(tenant int) error) (map[string]any, error) {
	before := rssKiB()
	var next atomic.Int64
	var firstErr atomic.Pointer[error]
	var wg sync.WaitGroup
	start := time.Now()
	for t := 0; t < o.threads; t++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(o.calls) || firstErr.Load() != nil {
					return
				}
				if err := call(int(i % int64(tenants))); err != nil {
					firstErr.CompareAndSwap(nil, &err)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if e := firstErr.Load(); e != nil {
		return nil, *e
	}
	runtime.GC()
	res := map[string]any{"case": o.caseName, "tenants": tenants, "calls": o.calls, "threads": o.threads,
		"rss_kib": rssKiB(), "rss_start_kib": before, "seconds": round(elapsed.Seconds(), 3)}
	if o.smaps {
		res["rss_by_kind_kib"] = smapsKiB()
	}
	return res, nil
}

// smapsKiB sums the Rss of /proc/self/smaps by kind of mapping: the executable's file
// mappings by permissions ("binary r-xp" its code, "binary r--p" its read-only data,
// "binary rw-p" its data), other files ("files"), "[heap]" (the C heap below the break),
// "[stack]", and anonymous mappings ("anon": the Go heap, glibc's per-thread malloc arenas,
// thread stacks), with "threads" the thread count.
func smapsKiB() map[string]int64 {
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		fail(err.Error())
	}
	exe, _ := os.Executable()
	kinds := map[string]int64{}
	kind := ""
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if !strings.HasSuffix(fields[0], ":") { // a mapping's header: range perms offset dev inode [path]
			switch path := ""; {
			case len(fields) < 6:
				kind = "anon"
			default:
				path = fields[5]
				switch {
				case path == exe:
					kind = "binary " + fields[1] // by permissions: code r-xp, read-only data r--p, data rw-p
				case strings.HasPrefix(path, "["):
					kind = path
				default:
					kind = "files"
				}
			}
			continue
		}
		if fields[0] == "Rss:" && len(fields) >= 2 {
			var kib int64
			fmt.Sscanf(fields[1], "%d", &kib)
			kinds[kind] += kib
		}
	}
	if ents, err := os.ReadDir("/proc/self/task"); err == nil {
		kinds["threads"] = int64(len(ents))
	}
	return kinds
}

// mustSandbox reads the -sandbox config file.
func mustSandbox(o *options) *sandboxConfig {
	if o.sandbox == "" {
		fail(o.caseName + " needs -sandbox FILE: the client config JSON of a running tccall-sandbox")
	}
	text, err := os.ReadFile(o.sandbox)
	if err != nil {
		fail(err.Error())
	}
	var raw map[string]any
	if err := json.Unmarshal(text, &raw); err != nil {
		fail(o.sandbox + ": " + err.Error())
	}
	cloud, _ := raw["cloud_api"].(map[string]any)
	app, _ := raw["sdk_app_id"].(float64)
	cfg := &sandboxConfig{raw: raw, appID: uint64(app)}
	cfg.secretID, _ = cloud["secret_id"].(string)
	cfg.secret, _ = cloud["secret_key"].(string)
	cfg.region, _ = cloud["region"].(string)
	cfg.endpoint, _ = cloud["endpoint"].(string)
	if tls, ok := raw["tls"].(map[string]any); ok {
		cfg.caPEM, _ = tls["ca_pem"].(string)
	}
	if o.https && strings.HasPrefix(cfg.endpoint, "http://") {
		// The HTTP config of the same sandbox: its HTTPS listener is on the same port.
		if caseCA == "" {
			fail("-https with an HTTP config needs -ca FILE (the sandbox's CA) or the sandbox's HTTPS config (its 4th stdout line)")
		}
		pem, err := os.ReadFile(caseCA)
		if err != nil {
			fail(err.Error())
		}
		cfg.caPEM = string(pem)
		cfg.endpoint = "https://" + strings.TrimPrefix(cfg.endpoint, "http://")
		cloud["endpoint"] = cfg.endpoint
		if im, ok := raw["im_endpoint"].(string); ok {
			raw["im_endpoint"] = "https://" + strings.TrimPrefix(im, "http://")
		}
		raw["tls"] = map[string]any{"ca_pem": cfg.caPEM, "roots": "none"}
	}
	if cfg.appID == 0 || cfg.secretID == "" || cfg.endpoint == "" {
		fail(o.sandbox + ": not a tccall client config (sdk_app_id, cloud_api.secret_id, cloud_api.endpoint)")
	}
	// As tests/bench/e2e.rs: no client-side rate limiting, one attempt per call.
	raw["rate_limit"] = map[string]any{"enabled": false}
	raw["retry"] = map[string]any{"max_attempts": 1}
	return cfg
}

// hostPort is the endpoint without its scheme.
func (c *sandboxConfig) hostPort() string {
	_, hp, _ := strings.Cut(c.endpoint, "://")
	return strings.TrimSuffix(hp, "/")
}

func (c *sandboxConfig) scheme() string {
	scheme, _, _ := strings.Cut(c.endpoint, "://")
	return scheme
}

func round(v float64, digits int) float64 {
	p := 1.0
	for i := 0; i < digits; i++ {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

// emit prints the one result line.
func emit(v map[string]any) {
	// A fixed key order: case first, then the rest sorted.
	keys := make([]string, 0, len(v))
	for k := range v {
		if k != "case" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	c, _ := json.Marshal(v["case"])
	b.WriteString(`{"case":` + string(c))
	for _, k := range keys {
		kv, _ := json.Marshal(v[k])
		b.WriteString(`,"` + k + `":` + string(kv))
	}
	b.WriteString("}")
	fmt.Println(b.String())
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "tccallbench:", msg)
	os.Exit(1)
}
