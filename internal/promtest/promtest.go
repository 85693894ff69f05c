// Package promtest helps the collector packages' tests write expected
// Prometheus expositions.
package promtest

import (
	"fmt"
	"log"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Histogram returns the series of histogram name for one set of labels
// (e.g. `issuer="https://issuer.example"`): a _bucket line per bound in
// buckets with the cumulative count in counts, one for le="+Inf" with the
// last of counts, which has one entry more than buckets, then _sum and
// _count.
func Histogram(name, labels string, buckets []float64, counts []int, sum float64) string {
	if len(counts) != len(buckets)+1 {
		panic(fmt.Sprintf("promtest: histogram %s{%s}: %d counts for %d buckets and +Inf", name, labels, len(counts), len(buckets)))
	}
	var b strings.Builder
	for i, c := range counts {
		le := "+Inf"
		if i < len(buckets) {
			le = strconv.FormatFloat(buckets[i], 'g', -1, 64)
		}
		fmt.Fprintf(&b, "%s_bucket{%s,le=%q} %d\n", name, labels, le, c)
	}
	fmt.Fprintf(&b, "%s_sum{%s} %s\n", name, labels, strconv.FormatFloat(sum, 'g', -1, 64))
	fmt.Fprintf(&b, "%s_count{%s} %d\n", name, labels, counts[len(counts)-1])
	return b.String()
}

// RandomString returns n random base64url characters: label values an
// attacker might choose.
func RandomString(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b)
}

// Families formats series counts per family, one "  name count" line each,
// sorted: for a test's message.
func Families(m map[string]int) string {
	var lines []string
	for k, v := range m {
		lines = append(lines, fmt.Sprintf("  %s %d", k, v))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// PrintCounters prints the series of the counter family name in g, for
// examples.
func PrintCounters(g prometheus.Gatherer, name string) {
	mfs, err := g.Gather()
	if err != nil {
		log.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			fmt.Printf("%s{%s} %v\n", name, strings.Join(labels, ","), m.GetCounter().GetValue())
		}
	}
}
