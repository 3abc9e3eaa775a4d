package eu

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cybersanctions/tracker/internal/shareddata"
	"github.com/cybersanctions/tracker/internal/source"
)

// euBenchFile builds an xmlFullSanctionsList_1_1 file of about size bytes,
// the size of the real one (~25 MB), by repeating the real and constructed
// entities of the shared files under distinct logicalIds.
func euBenchFile(tb testing.TB, size int) []byte {
	tb.Helper()
	var blocks [][]byte
	var header []byte
	for _, rel := range []string{"eu/fsf/2020-11-20.xml", euExcerptXML} {
		data, err := os.ReadFile(shareddata.Path(tb, rel))
		if err != nil {
			tb.Fatal(err)
		}
		first := bytes.Index(data, []byte("<sanctionEntity "))
		if header == nil {
			header = data[:bytes.LastIndexByte(data[:first], '\n')+1]
		}
		for rest := data[first:]; ; {
			end := bytes.Index(rest, []byte("</sanctionEntity>"))
			if end < 0 {
				break
			}
			end += len("</sanctionEntity>")
			blocks = append(blocks, rest[:end])
			next := bytes.Index(rest[end:], []byte("<sanctionEntity "))
			if next < 0 {
				break
			}
			rest = rest[end+next:]
		}
	}
	if len(blocks) == 0 {
		tb.Fatal("no sanctionEntity in the shared EU files")
	}
	var buf bytes.Buffer
	buf.Grow(size + 64<<10)
	buf.Write(header)
	for i := 0; buf.Len() < size; i++ {
		blk := blocks[i%len(blocks)]
		// The entity's own logicalId is the last attribute of its start tag.
		tagEnd := bytes.IndexByte(blk, '>')
		at := bytes.LastIndex(blk[:tagEnd], []byte(`logicalId="`))
		buf.WriteString("    ")
		buf.Write(blk[:at])
		buf.WriteString(`logicalId="` + strconv.Itoa(1_000_000+i) + `">`)
		buf.Write(blk[tagEnd+1:])
		buf.WriteByte('\n')
	}
	buf.WriteString("</export>\n")
	return buf.Bytes()
}

// euBenchCSV does the same for the CSV format from the real CSV excerpt.
func euBenchCSV(tb testing.TB, size int) []byte {
	tb.Helper()
	data, err := os.ReadFile(shareddata.Path(tb, euExcerptCSV))
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\r\n"), "\n")
	var buf bytes.Buffer
	buf.Grow(size + 64<<10)
	buf.WriteString(lines[0] + "\n")
	for rep := 0; buf.Len() < size; rep++ {
		for _, l := range lines[1:] {
			f := strings.SplitN(l, ";", 3) // fileGenerationDate;Entity_LogicalId;rest
			fmt.Fprintf(&buf, "%s;%d%s;%s\n", f[0], rep, f[1], f[2])
		}
	}
	return buf.Bytes()
}

func BenchmarkParseEU(b *testing.B) {
	for _, bc := range []struct {
		format string
		mb     int
		build  func(testing.TB, int) []byte
	}{
		{"xml", 12, euBenchFile},
		{"xml", 25, euBenchFile},
		{"csv", 25, euBenchCSV},
	} {
		data := bc.build(b, bc.mb<<20)
		b.Run(fmt.Sprintf("%s-%dMB", bc.format, bc.mb), func(b *testing.B) {
			benchParseEU(b, "full."+bc.format, data, -1)
		})
	}
}

// euMeasureHeap parses once more and returns the heap the publication
// keeps (the entities) and the highest heap seen during the parse, both
// above the heap before it (which holds the input). A parser that built a
// tree of the document would show a peak far above what it keeps.
func euMeasureHeap(b *testing.B, files []source.RawFile) (retained, peak uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	heap := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	runtime.GC()
	base := heap()
	done := make(chan struct{})
	var wg sync.WaitGroup
	var high uint64
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			if h := heap(); h > high {
				high = h
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	pub, err := Parse(context.Background(), files)
	close(done)
	wg.Wait()
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	after := heap()
	runtime.KeepAlive(pub)
	return after - min(after, base), high - min(high, base)
}

// BenchmarkParseEUGrowth parses the generated XML file at 1x, 2x and 4x
// the real file's size (25 MB) to show that the parser's memory follows
// what it returns, not a multiple of what it reads: peak/retained, the
// highest heap during a parse over what the parse keeps (the entities),
// should stay the same as the input grows, and close to 1. The heap is
// measured with the collector set to run at 10% growth (GOGC=10), so that
// the peak shows live memory rather than the garbage a default collector
// lets pile up in proportion to the heap.
func BenchmarkParseEUGrowth(b *testing.B) {
	for _, x := range []int{1, 2, 4} {
		data := euBenchFile(b, x*25<<20)
		b.Run(fmt.Sprintf("xml-%dx-%dMB", x, x*25), func(b *testing.B) {
			retained, peak := benchParseEU(b, "full.xml", data, 10)
			b.ReportMetric(float64(peak)/float64(max(retained, 1)), "peak/retained")
		})
	}
}

// benchParseEU times Parse of one file, then measures its retained and
// peak heap (euMeasureHeap), with the collector at gcPercent while it
// measures (negative: as it is), and reports all of it.
func benchParseEU(b *testing.B, name string, data []byte, gcPercent int) (retained, peak uint64) {
	files := []source.RawFile{{Name: name, Data: data}}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var n int
	for b.Loop() {
		pub, err := Parse(context.Background(), files)
		if err != nil {
			b.Fatal(err)
		}
		n = len(pub.Entities)
	}
	b.ReportMetric(float64(n), "entities")
	if gcPercent >= 0 {
		defer debug.SetGCPercent(debug.SetGCPercent(gcPercent))
	}
	retained, peak = euMeasureHeap(b, files)
	b.ReportMetric(float64(retained)/(1<<20), "retained-MB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	return retained, peak
}
