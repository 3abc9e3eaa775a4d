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
	done   chan struct{} // out and err are ready
	out    []store.RawFile
	err    error
}

// startRaw hashes the request's files, then, unless raw files are not
// kept, compresses each as a delta of the list's previous version of it:
// a few KB where a self-contained copy takes hundreds.
func (in *Ingester) startRaw(ctx context.Context, req Request) *pendingRaw {
	p := &pendingRaw{in: req.Files, sums: make([][sha256.Size]byte, len(req.Files)),
		hashed: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for i, f := range req.Files {
			p.sums[i] = sha256.Sum256(f.Data)
		}
		close(p.hashed)
		if in.RawRetention == 0 {
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

func (p *pendingRaw) wait() { <-p.done }
