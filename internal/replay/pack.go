package replay

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"slices"
	"strings"
)

// A git bundle is a few header lines (format, prerequisites, refs) and a
// packfile. The pack is read here directly, without git: cloning the
// bundle first (git's way of reading it) resolved and hashed every
// object into a repository on disk, 2-3 s and 190 MB of git's memory
// before the first version was replayed, and git's own delta cache then
// held another 140 MB. Reading the pack in process keeps every cost under
// our control: one pass over the pack to find its objects, a hash of
// each object as it is first resolved, and a small cache of resolved
// objects sized for reading a history oldest first.

// Object types, as the pack format numbers them.
const (
	objCommit   = 1
	objTree     = 2
	objBlob     = 3
	objTag      = 4
	objOfsDelta = 6
	objRefDelta = 7
)

var objTypeNames = [...]string{objCommit: "commit", objTree: "tree", objBlob: "blob", objTag: "tag"}

func objTypeName(t int8) string {
	if t > 0 && int(t) < len(objTypeNames) && objTypeNames[t] != "" {
		return objTypeNames[t]
	}
	return fmt.Sprintf("type %d", t)
}

// maxObjectSize refuses an object whose stated size could not be a
// published list, before memory is set aside for it.
const maxObjectSize = 1 << 30

// bundleRef is one ref the bundle's header lists.
type bundleRef struct {
	id   string // binary object id
	name string
}

// bundleHeader is what precedes a bundle's pack.
type bundleHeader struct {
	newHash func() hash.Hash
	idLen   int // bytes in a binary object id
	refs    []bundleRef
	pack    int64 // offset of the pack in the file
}

var errNotBundle = errors.New("neither a directory of dated files nor a git bundle (no '# v2 git bundle' header)")

// readBundleHeader reads the header lines of a v2 or v3 bundle.
func readBundleHeader(f io.Reader) (*bundleHeader, error) {
	r := bufio.NewReaderSize(f, 4096)
	var off int64
	line := func() (string, error) {
		s, err := r.ReadString('\n')
		off += int64(len(s))
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", fmt.Errorf("bundle header: %w", err)
		}
		return strings.TrimSuffix(s, "\n"), nil
	}
	first, err := line()
	if err != nil || (first != "# v2 git bundle" && first != "# v3 git bundle") {
		return nil, errNotBundle
	}
	h := &bundleHeader{newHash: sha1.New, idLen: sha1.Size}
	for {
		s, err := line()
		if err != nil {
			return nil, err
		}
		switch {
		case s == "":
			if len(h.refs) == 0 {
				return nil, errors.New("the bundle lists no refs")
			}
			h.pack = off
			return h, nil
		case strings.HasPrefix(s, "@"): // v3 capabilities
			switch s {
			case "@object-format=sha1":
			case "@object-format=sha256":
				h.newHash, h.idLen = sha256.New, sha256.Size
			default:
				if strings.HasPrefix(s, "@filter=") {
					return nil, fmt.Errorf("the bundle is filtered (%s), so some of its files are missing: make it without a filter", s[1:])
				}
				return nil, fmt.Errorf("bundle capability %q is not supported", s[1:])
			}
		case strings.HasPrefix(s, "-"):
			// A bundle made from a range (git bundle create x.bundle A..B)
			// holds only the objects after A.
			return nil, fmt.Errorf("the bundle needs commit %.12s, which it does not hold: make it with the whole history, e.g. 'git bundle create FILE HEAD main'", s[1:])
		default:
			hexID, name, ok := strings.Cut(s, " ")
			id, err := hex.DecodeString(hexID)
			if !ok || err != nil || len(id) != h.idLen {
				return nil, fmt.Errorf("bundle header: unreadable ref line %q", s)
			}
			h.refs = append(h.refs, bundleRef{id: string(id), name: name})
		}
	}
}

// packObject is one object of the pack. A delta's id is known once it has
// been resolved and hashed.
type packObject struct {
	offset int64 // of its header, in the file
	data   int64 // of its zlib stream, in the file
	typ    int8  // as stored: an object type or a delta
	kind   int8  // the object's type once deltas are applied; 0 until known
	size   int64 // inflated size as stored (a delta's own size)
	base   int32 // index of a delta's base; -1 until known
	baseID string
	id     string
}

// pack is a bundle's pack, open for reading objects by id.
type pack struct {
	f       *os.File
	newHash func() hash.Hash
	idLen   int

	objs     []packObject
	byID     map[string]int32
	children map[int32][]int32
	waiting  map[string][]int32 // REF_DELTAs whose base is a delta not yet hashed
	cache    *objectCache
	zr       io.ReadCloser // reused between objects
	delta    []byte        // the delta being applied, reused
	largest  int64         // the largest object's size, once known
	free     [][]byte      // buffers of resolved objects nobody holds any more
}

// Every version rebuilt takes a few bases of its size: reusing their
// buffers keeps a replay from allocating gigabytes it drops at once, each
// of which costs a collection near the replay's memory limit.
const maxFreeBuffers = 2

func (p *pack) getBuf(n int64) []byte {
	for k, b := range p.free {
		if int64(cap(b)) >= n {
			p.free = slices.Delete(p.free, k, k+1)
			return b[:0]
		}
	}
	// Sized for the largest object, any buffer takes any version.
	return make([]byte, 0, max(n, p.largest))
}

// dropFree lets the spare buffers go between two reads: the caller then
// parses and stores the version it read, its memory's peak, and a version
// rebuilt takes at most a couple of buffers again.
func (p *pack) dropFree() {
	clear(p.free)
	p.free = p.free[:0]
}

func (p *pack) putBuf(b []byte) {
	if b == nil {
		return
	}
	if len(p.free) == maxFreeBuffers {
		// Keep the larger buffers: they fit any version.
		small := 0
		for k, f := range p.free {
			if cap(f) < cap(p.free[small]) {
				small = k
			}
		}
		if cap(p.free[small]) >= cap(b) {
			return
		}
		p.free[small] = b
		return
	}
	p.free = append(p.free, b)
}

// openPack scans the pack that starts at h.pack: it checks the pack's
// checksum, records where each object is, and hashes every object so
// that each can be found by id. The scan holds one object at a time,
// plus the bases a delta tree still needs (bounded by cacheBytes).
func openPack(ctx context.Context, f *os.File, h *bundleHeader, cacheBytes int64) (*pack, error) {
	p := &pack{f: f, newHash: h.newHash, idLen: h.idLen, byID: map[string]int32{}, children: map[int32][]int32{},
		waiting: map[string][]int32{}, cache: newObjectCache(cacheBytes)}
	p.cache.evicted = p.putBuf
	if err := p.checkTrailer(h.pack); err != nil {
		return nil, err
	}
	if err := p.scan(ctx, h.pack); err != nil {
		return nil, err
	}
	if err := p.hashDeltas(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// checkTrailer compares the pack's closing checksum with its bytes, so
// that a damaged or cut bundle is refused before anything is replayed.
func (p *pack) checkTrailer(start int64) error {
	fi, err := p.f.Stat()
	if err != nil {
		return err
	}
	end := fi.Size() - int64(p.idLen)
	if end < start+12 {
		return errors.New("the bundle is truncated: its pack is missing or cut short")
	}
	h := p.newHash()
	if _, err := io.Copy(h, io.NewSectionReader(p.f, start, end-start)); err != nil {
		return fmt.Errorf("reading the pack: %w", err)
	}
	sum := make([]byte, p.idLen)
	if _, err := p.f.ReadAt(sum, end); err != nil {
		return fmt.Errorf("reading the pack: %w", err)
	}
	if !bytes.Equal(sum, h.Sum(nil)) {
		return errors.New("the pack's checksum does not match its content: the bundle is truncated or damaged")
	}
	return nil
}

// countingReader counts what the zlib reader takes, to learn where each
// object ends. It is an io.ByteReader, so flate reads no further than the
// end of each stream.
type countingReader struct {
	r *bufio.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// scan reads the pack from start to end once, recording each object and
// hashing those stored whole.
func (p *pack) scan(ctx context.Context, start int64) error {
	cr := &countingReader{r: bufio.NewReaderSize(io.NewSectionReader(p.f, start, 1<<62), 64<<10), n: start}
	var hdr [12]byte
	if _, err := io.ReadFull(cr, hdr[:]); err != nil {
		return fmt.Errorf("pack header: %w", err)
	}
	if string(hdr[:4]) != "PACK" {
		return errors.New("no pack after the bundle's header")
	}
	if v := binary.BigEndian.Uint32(hdr[4:8]); v != 2 && v != 3 {
		return fmt.Errorf("pack version %d is not supported", v)
	}
	count := binary.BigEndian.Uint32(hdr[8:12])
	// Each object takes at least a few bytes, so a count beyond the file's
	// size is damage, not a reason to allocate.
	if fi, err := p.f.Stat(); err == nil && int64(count) > fi.Size() {
		return fmt.Errorf("the pack claims %d objects in %d bytes", count, fi.Size())
	}
	p.objs = make([]packObject, 0, count)
	byOffset := make(map[int64]int32, count)
	for i := range int32(count) {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		o := packObject{offset: cr.n, base: -1}
		if err := p.readObjectHeader(cr, &o); err != nil {
			return fmt.Errorf("object %d of %d (offset %d): %w", i+1, count, o.offset, err)
		}
		if o.typ == objOfsDelta {
			b, ok := byOffset[o.base64()]
			if !ok {
				return fmt.Errorf("object %d of %d (offset %d): no object at its delta base's offset", i+1, count, o.offset)
			}
			o.base = b
		}
		o.data = cr.n
		if err := p.inflateTo(cr, &o, i); err != nil {
			return fmt.Errorf("object %d of %d (offset %d): %w", i+1, count, o.offset, err)
		}
		byOffset[o.offset] = i
		if o.kind != 0 {
			p.largest = max(p.largest, o.size)
		}
		p.objs = append(p.objs, o)
	}
	return nil
}

// base64 returns an OFS_DELTA's base offset, kept in baseID's place
// during the scan.
func (o *packObject) base64() int64 {
	return int64(binary.BigEndian.Uint64([]byte(o.baseID)))
}

// readObjectHeader reads an object's type, size and delta base.
func (p *pack) readObjectHeader(r io.ByteReader, o *packObject) error {
	c, err := r.ReadByte()
	if err != nil {
		return noEOF(err)
	}
	o.typ = int8(c>>4) & 7
	o.size = int64(c & 15)
	for shift := 4; c&0x80 != 0; shift += 7 {
		if shift > 35 {
			return errors.New("object size too large")
		}
		if c, err = r.ReadByte(); err != nil {
			return noEOF(err)
		}
		o.size |= int64(c&0x7f) << shift
	}
	if o.size > maxObjectSize {
		return fmt.Errorf("object of %d bytes: too large for a published list", o.size)
	}
	switch o.typ {
	case objCommit, objTree, objBlob, objTag:
		o.kind = o.typ
	case objOfsDelta:
		// Offsets back from this object, in git's varint where each
		// continuation adds one (so that no two encodings are equal).
		c, err := r.ReadByte()
		if err != nil {
			return noEOF(err)
		}
		back := int64(c & 0x7f)
		for c&0x80 != 0 {
			if back > 1<<48 {
				return errors.New("delta base offset too large")
			}
			if c, err = r.ReadByte(); err != nil {
				return noEOF(err)
			}
			back = (back+1)<<7 | int64(c&0x7f)
		}
		if back <= 0 || back > o.offset {
			return fmt.Errorf("delta base offset %d points outside the pack", back)
		}
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(o.offset-back))
		o.baseID = string(b[:])
	case objRefDelta:
		id := make([]byte, p.idLen)
		for i := range id {
			if id[i], err = r.ReadByte(); err != nil {
				return noEOF(err)
			}
		}
		o.baseID = string(id)
	default:
		return fmt.Errorf("unknown object type %d", o.typ)
	}
	return nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// inflateTo inflates one object's stream from r, checking its size; an
// object stored whole is hashed on the way.
func (p *pack) inflateTo(r *countingReader, o *packObject, i int32) error {
	if err := p.resetZlib(r); err != nil {
		return err
	}
	var w io.Writer = io.Discard
	var h hash.Hash
	if o.kind != 0 {
		h = p.newHash()
		fmt.Fprintf(h, "%s %d\x00", objTypeName(o.kind), o.size)
		w = h
	}
	n, err := io.Copy(w, p.zr)
	if err != nil {
		return fmt.Errorf("inflating: %w", noEOF(err))
	}
	if n != o.size {
		return fmt.Errorf("inflated to %d bytes, its header says %d", n, o.size)
	}
	if h != nil {
		o.id = string(h.Sum(nil))
		p.byID[o.id] = i
	} else if o.typ == objOfsDelta {
		o.baseID = "" // the base's offset, already turned into its index
	}
	return nil
}

func (p *pack) resetZlib(r io.Reader) error {
	if p.zr == nil {
		zr, err := zlib.NewReader(r)
		if err != nil {
			return fmt.Errorf("inflating: %w", noEOF(err))
		}
		p.zr = zr
		return nil
	}
	if err := p.zr.(zlib.Resetter).Reset(r, nil); err != nil {
		return fmt.Errorf("inflating: %w", noEOF(err))
	}
	return nil
}

// inflate reads object i's stored bytes (a whole object, or a delta).
func (p *pack) inflate(i int32, buf []byte) ([]byte, error) {
	o := &p.objs[i]
	r := bufio.NewReaderSize(io.NewSectionReader(p.f, o.data, 1<<62), 32<<10)
	if err := p.resetZlib(r); err != nil {
		return nil, err
	}
	if int64(cap(buf)) < o.size {
		buf = make([]byte, 0, o.size)
	}
	buf = buf[:o.size]
	if _, err := io.ReadFull(p.zr, buf); err != nil {
		return nil, fmt.Errorf("inflating object at offset %d: %w", o.offset, noEOF(err))
	}
	return buf, nil
}

// hashDeltas resolves every delta once, walking each tree of deltas from
// the object stored whole at its root, to learn the deltas' ids and
// types. A base is kept while it still has deltas to give, within the
// cache's budget; beyond it, it is resolved again when needed.
func (p *pack) hashDeltas(ctx context.Context) error {
	var roots []int32
	for i := range p.objs {
		o := &p.objs[i]
		if o.typ == objRefDelta {
			b, ok := p.byID[o.baseID]
			if !ok {
				// Its base is itself a delta: linked once that is hashed.
				p.waiting[o.baseID] = append(p.waiting[o.baseID], int32(i))
				continue
			}
			o.base = b
		}
		if o.base >= 0 {
			p.children[o.base] = append(p.children[o.base], int32(i))
		} else {
			roots = append(roots, int32(i))
		}
	}
	// Deltas come after their bases, so one pass backwards counts each
	// object's descendants. Walking the smaller subtrees first lets a base
	// go before its longest line of descendants is walked: git's chains
	// are long with short branches, and holding the base across each
	// long line would hold a version per step.
	desc := make([]int32, len(p.objs))
	for i := len(p.objs) - 1; i >= 0; i-- {
		desc[i]++
		if b := p.objs[i].base; b >= 0 && int(b) < i {
			desc[b] += desc[i]
		}
	}
	for _, kids := range p.children {
		slices.SortStableFunc(kids, func(a, b int32) int { return int(desc[a] - desc[b]) })
	}
	held := int64(0)
	for _, r := range roots {
		if err := p.hashChildren(ctx, r, nil, &held); err != nil {
			return err
		}
	}
	for i := range p.objs {
		if o := &p.objs[i]; o.id == "" {
			if o.typ == objRefDelta {
				return fmt.Errorf("object at offset %d: its delta base %x is not in the bundle", o.offset, o.baseID)
			}
			return fmt.Errorf("object at offset %d: its delta base was never resolved", o.offset)
		}
	}
	return nil
}

// hashChildren resolves and hashes the deltas based on object i, whose
// content is data (nil: resolve it when needed), then theirs. data is
// this call's to recycle.
func (p *pack) hashChildren(ctx context.Context, i int32, data []byte, held *int64) error {
	kids := p.children[i]
	defer func() { p.putBuf(data) }()
	for k, c := range kids {
		if err := ctx.Err(); err != nil {
			return err
		}
		if data == nil {
			var err error
			if data, err = p.resolveUncached(i); err != nil {
				return err
			}
		}
		child, err := p.applyDelta(c, data, true)
		if err != nil {
			return err
		}
		o := &p.objs[c]
		o.kind = p.objs[i].kind
		p.largest = max(p.largest, int64(len(child)))
		h := p.newHash()
		fmt.Fprintf(h, "%s %d\x00", objTypeName(o.kind), len(child))
		h.Write(child)
		o.id = string(h.Sum(nil))
		p.byID[o.id] = c
		for _, j := range p.waiting[o.id] {
			p.objs[j].base = c
			p.children[c] = append(p.children[c], j)
		}
		delete(p.waiting, o.id)
		keep := k < len(kids)-1 && *held+int64(len(data)) <= p.cache.limit
		if keep {
			*held += int64(len(data))
		} else {
			// The last child, or no room: let it go before descending.
			p.putBuf(data)
			data = nil
		}
		if err := p.hashChildren(ctx, c, child, held); err != nil {
			return err
		}
		if keep {
			*held -= int64(len(data))
		}
	}
	return nil
}

// resolveUncached returns object i's content without using the cache.
func (p *pack) resolveUncached(i int32) ([]byte, error) {
	var chain []int32
	for j := i; ; j = p.objs[j].base {
		chain = append(chain, j)
		if p.objs[j].base < 0 {
			break
		}
	}
	data, err := p.inflate(chain[len(chain)-1], p.getBuf(p.objs[chain[len(chain)-1]].size))
	if err != nil {
		return nil, err
	}
	for k := len(chain) - 2; k >= 0; k-- {
		next, err := p.applyDelta(chain[k], data, true)
		p.putBuf(data)
		if err != nil {
			return nil, err
		}
		data = next
	}
	return data, nil
}

// applyDelta applies delta object d to base, into a reused buffer if
// pooled, else into a new one (which the caller may hand out).
func (p *pack) applyDelta(d int32, base []byte, pooled bool) ([]byte, error) {
	delta, err := p.inflate(d, p.delta)
	if err != nil {
		return nil, err
	}
	p.delta = delta
	var out []byte
	if pooled {
		if _, rest, err := deltaVarint(delta); err == nil {
			if size, _, err := deltaVarint(rest); err == nil && size <= maxObjectSize {
				out = p.getBuf(size)
			}
		}
	}
	res, err := patchDelta(base, delta, out)
	if err != nil {
		return nil, fmt.Errorf("object at offset %d: %w", p.objs[d].offset, err)
	}
	return res, nil
}

// deltaVarint reads the sizes at the start of a delta.
func deltaVarint(d []byte) (int64, []byte, error) {
	var n int64
	for shift := 0; ; shift += 7 {
		if len(d) == 0 || shift > 35 {
			return 0, nil, errors.New("corrupt delta: bad size")
		}
		c := d[0]
		d = d[1:]
		n |= int64(c&0x7f) << shift
		if c&0x80 == 0 {
			return n, d, nil
		}
	}
}

// patchDelta rebuilds an object from its base and a git delta: copy
// instructions take ranges of the base, insert instructions carry new
// bytes.
func patchDelta(base, delta, out []byte) ([]byte, error) {
	srcSize, d, err := deltaVarint(delta)
	if err != nil {
		return nil, err
	}
	if srcSize != int64(len(base)) {
		return nil, fmt.Errorf("corrupt delta: made for a base of %d bytes, not %d", srcSize, len(base))
	}
	dstSize, d, err := deltaVarint(d)
	if err != nil {
		return nil, err
	}
	if dstSize > maxObjectSize {
		return nil, fmt.Errorf("corrupt delta: result of %d bytes", dstSize)
	}
	if int64(cap(out)) < dstSize {
		out = make([]byte, 0, dstSize)
	}
	out = out[:0]
	for len(d) > 0 {
		op := d[0]
		d = d[1:]
		switch {
		case op&0x80 != 0: // copy from the base
			var off, n uint32
			for bit := range 4 {
				if op&(1<<bit) != 0 {
					if len(d) == 0 {
						return nil, errors.New("corrupt delta: cut copy")
					}
					off |= uint32(d[0]) << (8 * bit)
					d = d[1:]
				}
			}
			for bit := range 3 {
				if op&(0x10<<bit) != 0 {
					if len(d) == 0 {
						return nil, errors.New("corrupt delta: cut copy")
					}
					n |= uint32(d[0]) << (8 * bit)
					d = d[1:]
				}
			}
			if n == 0 {
				n = 0x10000
			}
			if int64(off)+int64(n) > int64(len(base)) || int64(len(out))+int64(n) > dstSize {
				return nil, errors.New("corrupt delta: copy outside its base or result")
			}
			out = append(out, base[off:off+n]...)
		case op != 0: // insert op bytes
			if int(op) > len(d) || int64(len(out))+int64(op) > dstSize {
				return nil, errors.New("corrupt delta: cut insert")
			}
			out = append(out, d[:op]...)
			d = d[op:]
		default:
			return nil, errors.New("corrupt delta: reserved instruction 0")
		}
	}
	if int64(len(out)) != dstSize {
		return nil, fmt.Errorf("corrupt delta: result of %d bytes, want %d", len(out), dstSize)
	}
	return out, nil
}

// object returns the object named by a binary id: its type and content.
// The content is the caller's: nothing here keeps or reuses it.
func (p *pack) object(id string) (int8, []byte, bool, error) {
	i, ok := p.byID[id]
	if !ok {
		return 0, nil, false, nil
	}
	data, err := p.resolve(i)
	if err != nil {
		return 0, nil, true, err
	}
	return p.objs[i].kind, data, true, nil
}

// resolve rebuilds object i from the nearest cached base of its delta
// chain, caching the bases it passes: a history read oldest first asks
// next for the newer version that git stored the older one against. The
// result is the caller's; what the cache holds is never handed out, so
// its buffers can be reused once dropped.
func (p *pack) resolve(i int32) ([]byte, error) {
	var chain []int32 // i and the deltas above it, up to a cached or whole base
	var data []byte
	for j := i; ; j = p.objs[j].base {
		if d, ok := p.cache.get(j); ok {
			data = d
			break
		}
		chain = append(chain, j)
		if p.objs[j].base < 0 {
			break
		}
	}
	switch {
	case len(chain) == 0:
		data = bytes.Clone(data)
	case data == nil:
		root := chain[len(chain)-1]
		chain = chain[:len(chain)-1]
		var buf []byte // the target itself is the caller's: not pooled
		if len(chain) > 0 {
			buf = p.getBuf(p.objs[root].size)
		}
		d, err := p.inflate(root, buf)
		if err != nil {
			return nil, err
		}
		data = d
		if len(chain) > 0 && !p.cache.put(root, data) {
			defer p.putBuf(d)
		}
	}
	for k := len(chain) - 1; k >= 0; k-- {
		next, err := p.applyDelta(chain[k], data, k > 0)
		if err != nil {
			return nil, err
		}
		data = next
		if k > 0 && !p.cache.put(chain[k], data) {
			defer p.putBuf(next)
		}
	}
	// Whatever was rebuilt, the id it is asked by must match.
	h := p.newHash()
	fmt.Fprintf(h, "%s %d\x00", objTypeName(p.objs[i].kind), len(data))
	h.Write(data)
	if string(h.Sum(nil)) != p.objs[i].id {
		return nil, fmt.Errorf("object %x: content does not match its id", p.objs[i].id)
	}
	return data, nil
}

// objectCache keeps resolved objects up to a byte budget, dropping the
// least recently used first. What it holds is never changed.
type objectCache struct {
	limit, used int64
	tick        int64
	entries     map[int32]*cacheEntry
	evicted     func([]byte) // given what is dropped, to reuse
}

type cacheEntry struct {
	data []byte
	used int64
}

func newObjectCache(limit int64) *objectCache {
	return &objectCache{limit: limit, entries: map[int32]*cacheEntry{}}
}

func (c *objectCache) get(i int32) ([]byte, bool) {
	e, ok := c.entries[i]
	if !ok {
		return nil, false
	}
	c.tick++
	e.used = c.tick
	return e.data, true
}

// put caches data and reports whether it did; the cache then owns it.
func (c *objectCache) put(i int32, data []byte) bool {
	if int64(cap(data)) > c.limit {
		return false
	}
	if _, ok := c.entries[i]; ok {
		return false
	}
	for c.used+int64(cap(data)) > c.limit {
		var oldest int32
		var min int64 = -1
		for k, e := range c.entries {
			if min < 0 || e.used < min {
				oldest, min = k, e.used
			}
		}
		dropped := c.entries[oldest].data
		c.used -= int64(cap(dropped))
		delete(c.entries, oldest)
		if c.evicted != nil {
			c.evicted(dropped)
		}
	}
	c.tick++
	c.entries[i] = &cacheEntry{data: data, used: c.tick}
	c.used += int64(cap(data))
	return true
}
