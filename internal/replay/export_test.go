package replay

import (
	"context"
	"os"
)

// OpenPackForTest opens a bundle's pack with a cache of cacheBytes and
// returns each first-parent version's sdn.csv reader and how many of the
// pack's objects are deltas.
func OpenPackForTest(path string, cacheBytes int64) (read func(i int) ([]byte, error), versions, deltas int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	h, err := readBundleHeader(f)
	if err != nil {
		return nil, 0, 0, err
	}
	p, err := openPack(context.Background(), f, h, cacheBytes)
	if err != nil {
		return nil, 0, 0, err
	}
	for _, o := range p.objs {
		if o.typ == objOfsDelta || o.typ == objRefDelta {
			deltas++
		}
	}
	b := &bundle{path: path, pack: p, files: []string{"sdn.csv"}}
	head, err := b.head(h.refs)
	if err != nil {
		return nil, 0, 0, err
	}
	vs, err := b.firstParents(head)
	if err != nil {
		return nil, 0, 0, err
	}
	return func(i int) ([]byte, error) {
		files, err := b.read(context.Background(), &vs[i])
		if err != nil {
			return nil, err
		}
		return files[0].Data, nil
	}, len(vs), deltas, nil
}
