package ingest

import (
	"context"
	"crypto/sha256"

	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/store"
)

// pendingRaw is a publication's raw files being hashed and compressed on
// a goroutine of their own.
type pendingRaw struct {
	in     []source.RawFile
	sums   [][sha256.Size]byte
	hashed chan struct{} // sums are ready
	parsed chan bool     // the parse is over: true if it succeeded
	done   chan struct{} // out and err are ready
	out    []store.RawFile
	err    error
}

// startRaw hashes the request's files and, once the parse succeeded
// (parseDone), unless raw files are not kept, compresses each as a delta
// of the list's previous version of it: a few KB where a self-contained
// copy takes hundreds. The compressor waits for the parse because the
// parse reads a large file on every core: beside it, a first OFAC
// import's parse took 25 ms instead of 13. SQLite then writes the
// snapshot on one core and leaves the other to the compressor.
func (in *Ingester) startRaw(ctx context.Context, req Request) *pendingRaw {
	p := &pendingRaw{in: req.Files, sums: make([][sha256.Size]byte, len(req.Files)),
		hashed: make(chan struct{}), parsed: make(chan bool, 1), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for i, f := range req.Files {
			p.sums[i] = sha256.Sum256(f.Data)
		}
		close(p.hashed)
		if ok := <-p.parsed; !ok || in.RawRetention == 0 {
			return
		}
		for i, f := range req.Files {
			base, err := in.Store.RawBase(ctx, req.List.Name, i, f.Name)
			if err != nil {
				p.err = err
				return
			}
			rf, err := store.CompressRawSummed(f.Name, f.Data, p.sums[i], base)
			if err != nil {
				p.err = err
				return
			}
			p.out = append(p.out, rf)
		}
	}()
	return p
}

// digest is RawSHA256 of the files, from the sums hashed for compressing
// them, so that the files are read once on the import's path.
func (p *pendingRaw) digest() string {
	<-p.hashed
	return rawDigest(p.in, p.sums)
}

// files waits for the compressed files.
func (p *pendingRaw) files() ([]store.RawFile, error) {
	<-p.done
	return p.out, p.err
}

// parseDone lets the compressor start, or stop when the parse failed.
// Called once.
func (p *pendingRaw) parseDone(ok bool) { p.parsed <- ok }

func (p *pendingRaw) wait() { <-p.done }
