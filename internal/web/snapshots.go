package web

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/cybersanctions/tracker/internal/permalink"
	"github.com/cybersanctions/tracker/internal/store"
)

type snapshotRow struct {
	ID          int64     `json:"id"`
	Date        string    `json:"date"`
	FetchedAt   time.Time `json:"fetched_at"`
	Status      string    `json:"status"`
	Note        string    `json:"note,omitempty"`
	Entities    int       `json:"entities"`
	RawSHA256   string    `json:"raw_sha256"`
	DiffURL     string    `json:"diff_url,omitempty"` // against the list's snapshot before it
	Files       []rawFile `json:"files"`
	Quarantined bool      `json:"-"`
}

type rawFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Pruned bool   `json:"pruned,omitempty"`
	URL    string `json:"url,omitempty"` // empty when pruned
}

type snapshotsData struct {
	List      string        `json:"list"`
	Publisher string        `json:"publisher"`
	Snapshots []snapshotRow `json:"snapshots"`
}

// snapshots lists a list's snapshots, newest first, with their raw files.
func (s *Server) snapshots(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	list := r.PathValue("list")
	sns, err := s.opts.Store.Snapshots(ctx, list)
	if err != nil {
		s.failStore(w, r, err)
		return
	}
	if len(sns) == 0 {
		s.fail(w, r, http.StatusNotFound, "no snapshot of list "+list)
		return
	}
	files, err := s.opts.Store.RawFileInfos(ctx, list)
	if err != nil {
		s.failStore(w, r, err)
		return
	}
	d := snapshotsData{List: list, Publisher: publisher(list), Snapshots: []snapshotRow{}}
	rows := [][]string{{"snapshot", "date", "fetched_at", "status", "entities", "raw_sha256", "file", "size", "sha256", "url"}}
	var prevActive int64
	out := make([]snapshotRow, 0, len(sns))
	for _, sn := range sns {
		row := snapshotRow{ID: sn.ID, Date: snapshotDate(sn), FetchedAt: sn.FetchedAt.UTC(), Status: sn.Status, Note: sn.Note,
			Entities: sn.EntityCount, RawSHA256: sn.RawSHA256, Files: []rawFile{}, Quarantined: sn.Status != "active"}
		if sn.Status == "active" {
			if prevActive != 0 {
				row.DiffURL = permalink.Diff(list, prevActive, sn.ID)
			}
			prevActive = sn.ID
		}
		for i, f := range files[sn.ID] {
			rf := rawFile{Name: f.Name, Size: f.Size, SHA256: f.SHA256, Pruned: f.Pruned}
			if !f.Pruned {
				rf.URL = permalink.Raw(list, sn.ID, i, f.Name)
			}
			row.Files = append(row.Files, rf)
		}
		out = append(out, row)
	}
	for i := len(out) - 1; i >= 0; i-- {
		row := out[i]
		d.Snapshots = append(d.Snapshots, row)
		base := []string{strconv.FormatInt(row.ID, 10), row.Date, rfc3339(row.FetchedAt), row.Status, strconv.Itoa(row.Entities), row.RawSHA256}
		if len(row.Files) == 0 {
			rows = append(rows, append(base, "", "", "", ""))
		}
		for _, f := range row.Files {
			rows = append(rows, append(append([]string{}, base...), f.Name, strconv.FormatInt(f.Size, 10), f.SHA256, f.URL))
		}
	}
	s.render(w, r, view{page: "snapshots", title: list + " snapshots", data: d, csv: rows, file: list + "-snapshots"})
}

// raw sends one raw published file byte for byte, its sha256 checked by
// the store on the way out.
func (s *Server) raw(w http.ResponseWriter, r *http.Request) {
	list := r.PathValue("list")
	id, err1 := strconv.ParseInt(r.PathValue("id"), 10, 64)
	seq, err2 := strconv.Atoi(r.PathValue("seq"))
	if err1 != nil || err2 != nil {
		s.fail(w, r, http.StatusNotFound, "no such file")
		return
	}
	sn, err := s.snapshotOf(r, list, id)
	if err != nil {
		s.failStore(w, r, err)
		return
	}
	files, err := s.opts.Store.RawFiles(r.Context(), sn.ID)
	if err != nil {
		s.failStore(w, r, err)
		return
	}
	// The number in the address is the file's place in the publication,
	// as RawFiles orders them.
	var file *store.RawFile
	if seq >= 0 && seq < len(files) {
		file = &files[seq]
	}
	if file == nil || file.Name != r.PathValue("name") {
		s.fail(w, r, http.StatusNotFound, fmt.Sprintf("snapshot %d has no raw file %d %s", id, seq, r.PathValue("name")))
		return
	}
	if file.Pruned() {
		s.fail(w, r, http.StatusGone, fmt.Sprintf("raw file %s of snapshot %d was pruned by raw_retention (sha256 %s)", file.Name, id, file.SHA256))
		return
	}
	data, err := file.Data()
	if err != nil {
		s.failStore(w, r, err)
		return
	}
	// Always a download, never rendered: a published file is not ours to
	// show as a page.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": file.Name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("X-Checksum-SHA256", file.SHA256)
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(data)
}
