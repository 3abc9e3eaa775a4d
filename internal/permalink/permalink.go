// Package permalink is the one place the web view's addresses are spelt:
// the pages serve them (internal/web) and alerts link to them
// (internal/notify). They name the list and the publisher's id, so they
// stay readable and stable across restarts.
package permalink

import (
	"net/url"
	"strconv"
	"strings"
)

// Designation is a designation's page: /lists/ofac-sdn/designations/47814.
func Designation(list, id string) string {
	return "/lists/" + url.PathEscape(list) + "/designations/" + url.PathEscape(id)
}

// Diff is the page of the changes between two snapshots of a list.
func Diff(list string, from, to int64) string {
	return "/lists/" + url.PathEscape(list) + "/diff/" + strconv.FormatInt(from, 10) + "/" + strconv.FormatInt(to, 10)
}

// SnapshotDiff is the page of a snapshot's changes since the one before it.
func SnapshotDiff(list string, id int64) string {
	return Snapshots(list) + "/" + strconv.FormatInt(id, 10) + "/diff"
}

// Snapshots is the page of a list's snapshots.
func Snapshots(list string) string { return "/lists/" + url.PathEscape(list) + "/snapshots" }

// Raw is the download of one raw published file of a snapshot.
func Raw(list string, id int64, seq int, name string) string {
	return Snapshots(list) + "/" + strconv.FormatInt(id, 10) + "/raw/" + strconv.Itoa(seq) + "/" + url.PathEscape(name)
}

// Under joins a base URL ("https://tracker.example.org/", with or without
// its final slash) and a path of this package.
func Under(base, path string) string { return strings.TrimSuffix(base, "/") + path }
