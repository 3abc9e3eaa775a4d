package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/fetch"
	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/redact"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/store"
)

// FetchRequest is one download-and-store of a list.
type FetchRequest struct {
	List       lists.List
	URLs       []string // the list's official URLs unless configured otherwise
	Downloader *fetch.Downloader
}

// FetchResult says what a fetch did.
type FetchResult struct {
	// Save is the stored snapshot, or (Created false) the latest one when
	// the publication had not changed.
	Save *store.SaveResult
	// NotModified: every file answered 304 Not Modified, so nothing was
	// downloaded or parsed.
	NotModified bool
	Bytes       int64 // bytes downloaded
	// Conditional: every request carried the validators of the last
	// check, so the answer shows whether the server honours them.
	Conditional bool
	// Validators: every response carried an ETag or a Last-Modified.
	Validators bool
	// MaxAge is the longest Cache-Control max-age of the responses: the
	// publisher asks not to be asked again sooner.
	MaxAge time.Duration
	// ModifiedAt is the newest Last-Modified of the responses; zero when
	// none was sent or readable.
	ModifiedAt time.Time
}

// Fetch downloads every file of a list's publication and stores it. It
// stores nothing unless every file arrived whole.
func (in *Ingester) Fetch(ctx context.Context, req FetchRequest) (*store.SaveResult, error) {
	res, err := in.FetchConditional(ctx, req)
	if err != nil {
		return nil, err
	}
	return res.Save, nil
}

// FetchConditional is Fetch with what happened along the way. Its requests
// are conditional on the validators (ETag, Last-Modified) of the list's last
// stored or unchanged publication; new validators are saved only once the
// publication was stored or found unchanged, so a publication that failed
// to parse or store is downloaded in full next time.
func (in *Ingester) FetchConditional(ctx context.Context, req FetchRequest) (*FetchResult, error) {
	name := req.List.Name
	urls := req.URLs
	if len(urls) == 0 {
		urls = req.List.URLs
	}
	if len(urls) == 0 {
		return nil, fmt.Errorf("%s: no URL configured", name)
	}
	stored, err := in.Store.Validators(ctx, name, urls)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	// A 304 stands for the content of the latest snapshot; without one (a
	// quarantined snapshot, a database restored from an older backup) there
	// is nothing it can stand for.
	latest, err := in.Store.Latest(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		latest, stored = nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}

	fetchedAt := in.Store.Now()
	res := &FetchResult{NotModified: true, Conditional: true, Validators: true}
	dls := make([]*fetch.Download, len(urls))
	for i, u := range urls {
		v := stored[u]
		dl, err := req.Downloader.Get(ctx, u, fetch.Validators{ETag: v.ETag, LastModified: v.LastModified})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		dls[i] = dl
		res.NotModified = res.NotModified && dl.NotModified
		res.Conditional = res.Conditional && !v.IsZero()
		res.Validators = res.Validators && (dl.Validators != fetch.Validators{} || (dl.NotModified && !v.IsZero()))
		res.MaxAge = max(res.MaxAge, dl.MaxAge)
		res.ModifiedAt = newest(res.ModifiedAt, dl.Validators.LastModified)
	}
	if res.NotModified {
		// Servers may send fresh validators with a 304 (RFC 9110 15.4.5).
		if err := in.saveValidators(ctx, name, urls, dls, stored); err != nil {
			return nil, err
		}
		res.Save = &store.SaveResult{Snapshot: *latest}
		in.logNotModified(latest)
		return res, nil
	}
	// Some files changed and some did not: a publication is parsed whole,
	// so the unchanged ones are downloaded again, unconditionally, after
	// the pause one URL gets between two requests.
	files := make([]source.RawFile, len(urls))
	paused := false
	for i, u := range urls {
		if dls[i].NotModified {
			if !paused {
				if err := req.Downloader.Pause(ctx); err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
				paused = true
			}
			dl, err := req.Downloader.Get(ctx, u, fetch.Validators{})
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			dls[i] = dl
			res.ModifiedAt = newest(res.ModifiedAt, dl.Validators.LastModified)
		}
		files[i] = dls[i].File
		res.Bytes += int64(len(dls[i].File.Data))
	}
	redownload := func(ctx context.Context) ([]source.RawFile, error) {
		if err := req.Downloader.Pause(ctx); err != nil {
			return nil, err
		}
		again := make([]source.RawFile, len(urls))
		for i, u := range urls {
			dl, err := req.Downloader.Get(ctx, u, fetch.Validators{})
			if err != nil {
				return nil, err
			}
			again[i] = dl.File
		}
		return again, nil
	}
	if res.Save, err = in.Ingest(ctx, Request{List: req.List, Files: files, FetchedAt: fetchedAt, ModifiedAt: res.ModifiedAt, Downloaded: true, Redownload: redownload}); err != nil {
		return nil, err
	}
	if err := in.saveValidators(ctx, name, urls, dls, nil); err != nil {
		return nil, err
	}
	return res, nil
}

// newest is the later of t and the HTTP date lastModified; an unreadable
// date changes nothing.
func newest(t time.Time, lastModified string) time.Time {
	if lastModified == "" {
		return t
	}
	lm, err := http.ParseTime(lastModified)
	if err != nil || !lm.After(t) {
		return t
	}
	return lm.UTC()
}

// saveValidators stores each URL's validators from its download, or from
// sent when a 304 carried none.
func (in *Ingester) saveValidators(ctx context.Context, list string, urls []string, dls []*fetch.Download, sent map[string]store.Validators) error {
	vs := make([]store.URLValidators, len(urls))
	for i, u := range urls {
		v := store.Validators{ETag: dls[i].Validators.ETag, LastModified: dls[i].Validators.LastModified}
		if v.IsZero() && dls[i].NotModified {
			v = sent[u]
		}
		vs[i] = store.URLValidators{URL: u, RedactedURL: redact.URL(u), Validators: v}
	}
	// The publication is already stored; failing here costs one full
	// download next time, not data, but the caller should hear of it.
	if err := in.Store.SaveValidators(ctx, list, vs); err != nil {
		return fmt.Errorf("%s: %w", list, err)
	}
	return nil
}

func (in *Ingester) logNotModified(latest *tracker.Snapshot) {
	if in.Log != nil {
		in.Log.Info("not modified since the latest snapshot: nothing downloaded", "list", latest.List, "snapshot", latest.ID)
	}
}
