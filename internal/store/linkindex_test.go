package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cybersanctions/tracker"
)

// bucketKey is a key hash of bucket b with low as its bits below the
// bucket's.
func bucketKey(b int64, low uint64) int64 {
	return int64(uint64(b)<<keyBucketShift | low&(1<<keyBucketShift-1))
}

// TestKeyBucketRoundTrip: a bucket's pairs come back as they were
// encoded, at both ends of the hash range (the top buckets hold the
// negative hashes) and with keys several entities share.
func TestKeyBucketRoundTrip(t *testing.T) {
	top := int64(keyBuckets - 1)
	for _, tc := range []struct {
		name   string
		bucket int64
		rows   []keyRow
	}{
		{"empty", 3, nil},
		{"one pair", 0, []keyRow{{bucketKey(0, 0), 1}}},
		{"the bucket's lowest and highest keys", 7, []keyRow{{bucketKey(7, 0), 9}, {bucketKey(7, 1<<keyBucketShift-1), 2}}},
		{"negative hashes", top, []keyRow{{bucketKey(top, 5), 1}, {-1, 1 << 40}}},
		{"a key of several entities", 512, []keyRow{{bucketKey(512, 99), 3}, {bucketKey(512, 99), 4}, {bucketKey(512, 99), 70000}, {bucketKey(512, 100), 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := encodeKeyBucket(nil, tc.bucket, tc.rows)
			got, err := decodeKeyBucket(nil, tc.bucket, data)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.rows) {
				t.Errorf("decoded %v, want %v", got, tc.rows)
			}
		})
	}
}

// TestDecodeKeyBucketCorrupt: data that does not decode to a sorted
// bucket is an error, never pairs silently lost.
func TestDecodeKeyBucketCorrupt(t *testing.T) {
	good := encodeKeyBucket(nil, 5, []keyRow{{bucketKey(5, 10), 1}, {bucketKey(5, 20), 2}})
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"no data", nil, "bad count"},
		{"cut short", good[:len(good)-1], "cut short"},
		{"bytes after the pairs", append(slices.Clone(good), 0), "bytes after"},
		{"a count larger than the data", []byte{100, 1, 1}, "bad count"},
		{"a pair twice", encodeKeyBucket(nil, 5, []keyRow{{bucketKey(5, 10), 1}, {bucketKey(5, 10), 1}}), "out of order"},
		{"a key of another bucket", encodeKeyBucket(nil, 5, []keyRow{{bucketKey(6, 0), 1}}), "out of order"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeKeyBucket(nil, 5, tc.data)
			if !errors.Is(err, errKeyBucket) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bucket 5") {
				t.Errorf("decodeKeyBucket = %v; want an error naming bucket 5 with %q", err, tc.want)
			}
		})
	}
}

// readKeyIndex returns every pair of a list's key index, sorted.
func readKeyIndex(t *testing.T, q querier, list string) []keyRow {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), `SELECT bucket, data FROM link_index WHERE list = ? ORDER BY bucket`, list)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var all []keyRow
	for rows.Next() {
		var b int64
		var data []byte
		if err := rows.Scan(&b, &data); err != nil {
			t.Fatal(err)
		}
		if all, err = decodeKeyBucket(all, b, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return all
}

// TestKeyIndexUpdate: an incremental update of a list's index leaves the
// pairs a whole rewrite would, whatever it adds and removes, rewrites no
// other list's and deletes the rows of buckets it empties.
func TestKeyIndexUpdate(t *testing.T) {
	ctx := context.Background()
	// Entity 1 holds keys in buckets 0 and 9, entity 2 in 9 and the top
	// bucket, entity 3 in 9 only.
	base := []keyRow{
		{bucketKey(0, 1), 1}, {bucketKey(9, 1), 1},
		{bucketKey(9, 1), 2}, {bucketKey(keyBuckets-1, 4), 2},
		{bucketKey(9, 7), 3},
	}
	for _, tc := range []struct {
		name      string
		add, drop []keyRow
		dropAll   []int64
	}{
		{"nothing", nil, nil, nil},
		{"an added entity", []keyRow{{bucketKey(9, 3), 4}, {bucketKey(300, 3), 4}}, nil, nil},
		{"an amended entity with the same keys", []keyRow{{bucketKey(0, 1), 1}, {bucketKey(9, 1), 1}}, []keyRow{{bucketKey(0, 1), 1}, {bucketKey(9, 1), 1}}, nil},
		{"an amended entity with other keys", []keyRow{{bucketKey(9, 2), 1}}, []keyRow{{bucketKey(0, 1), 1}, {bucketKey(9, 1), 1}}, nil},
		{"a bucket emptied", nil, []keyRow{{bucketKey(keyBuckets-1, 4), 2}}, nil},
		{"a pair not stored dropped", nil, []keyRow{{bucketKey(9, 1), 3}}, nil},
		{"old facts unreadable", []keyRow{{bucketKey(10, 0), 2}}, nil, []int64{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			other := []keyRow{{bucketKey(9, 1), 50}, {bucketKey(0, 1), 51}}
			err := s.writeTx(ctx, func(tx *sql.Tx) error {
				if err := writeKeyBuckets(ctx, tx, "a", sortKeyRows(slices.Clone(base)), nil, nil); err != nil {
					return err
				}
				return writeKeyBuckets(ctx, tx, "b", sortKeyRows(slices.Clone(other)), nil, nil)
			})
			if err != nil {
				t.Fatal(err)
			}
			dropAll := map[int64]bool{}
			for _, id := range tc.dropAll {
				dropAll[id] = true
			}
			err = s.writeTx(ctx, func(tx *sql.Tx) error {
				return updateKeyIndex(ctx, tx, "a", sortKeyRows(slices.Clone(tc.add)), sortKeyRows(slices.Clone(tc.drop)), dropAll)
			})
			if err != nil {
				t.Fatal(err)
			}
			want := map[keyRow]bool{}
			for _, r := range base {
				want[r] = !dropAll[r.entity] && !slices.Contains(tc.drop, r)
			}
			for _, r := range tc.add {
				want[r] = true
			}
			maps.DeleteFunc(want, func(_ keyRow, keep bool) bool { return !keep })
			wantRows := sortKeyRows(slices.Collect(maps.Keys(want)))
			if got := readKeyIndex(t, s.r, "a"); !slices.Equal(got, wantRows) {
				t.Errorf("index of a = %v, want %v", got, wantRows)
			}
			if got := readKeyIndex(t, s.r, "b"); !slices.Equal(got, sortKeyRows(other)) {
				t.Errorf("index of b = %v, want it untouched", got)
			}
			var rows int
			if err := s.r.QueryRow(`SELECT count(*) FROM link_index WHERE list = 'a'`).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if buckets := len(bucketsOf(wantRows, rowKey)); rows != buckets {
				t.Errorf("a has %d bucket rows for pairs in %d buckets", rows, buckets)
			}
		})
	}
}

// TestKeyIndexLookup: a lookup finds the ids of every other list holding
// each key, in id order, and none of the asking list's.
func TestKeyIndexLookup(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	index := map[string][]keyRow{
		"a": {{bucketKey(9, 1), 1}, {bucketKey(9, 2), 2}},
		"b": {{bucketKey(9, 1), 30}, {bucketKey(9, 1), 10}, {bucketKey(keyBuckets-1, 8), 11}, {bucketKey(0, 5), 12}},
		"c": {{bucketKey(9, 1), 20}, {bucketKey(9, 3), 21}},
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		for list, rows := range index {
			if err := writeKeyBuckets(ctx, tx, list, sortKeyRows(rows), nil, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		hashes []int64
		byKey  map[int64][]int64
		ids    []int64
	}{
		{"a key of three lists", []int64{bucketKey(9, 1)}, map[int64][]int64{bucketKey(9, 1): {10, 20, 30}}, []int64{10, 20, 30}},
		{"a key only the asking list holds", []int64{bucketKey(9, 2)}, map[int64][]int64{}, nil},
		{"keys in several buckets", []int64{bucketKey(0, 5), bucketKey(9, 3), bucketKey(keyBuckets-1, 8), bucketKey(12, 0)},
			map[int64][]int64{bucketKey(0, 5): {12}, bucketKey(9, 3): {21}, bucketKey(keyBuckets-1, 8): {11}}, []int64{11, 12, 21}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// As lookupCandidates passes them: sorted as a bucket sorts keys.
			hashes := slices.Clone(tc.hashes)
			slices.SortFunc(hashes, func(a, b int64) int { return compareKeyRows(keyRow{key: a}, keyRow{key: b}) })
			byKey, ids, err := keyIndexLookup(ctx, s.r, "a", hashes)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.EqualFunc(byKey, tc.byKey, slices.Equal) || !slices.Equal(ids, tc.ids) {
				t.Errorf("lookup = %v, %v; want %v, %v", byKey, ids, tc.byKey, tc.ids)
			}
		})
	}
}

// TestKeyIndexCorrupt: a bucket that does not decode fails the snapshot
// that reads it, with an error naming the list, and leaves the list as
// it was.
func TestKeyIndexCorrupt(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	saveList(t, s, "uk-sanctions-list", "2024-03-25", linkPerson("CYB0046", "Gaobin NI", "1985-10-27", "Cyber"))
	saveList(t, s, "ofac-sdn", "2024-03-25", linkPerson("47818", "NI, Gaobin", "1985-10-27", "CYBER2"))
	if _, err := s.w.ExecContext(ctx, `UPDATE link_index SET data = x'05' WHERE list = 'uk-sanctions-list'`); err != nil {
		t.Fatal(err)
	}
	es := []*tracker.Entity{linkPerson("EU.1", "Ni GAOBIN", "1985-10-27", "CYB")}
	es[0].Canonicalize()
	_, err := s.SaveSnapshot(ctx, NewSnapshot{List: "eu-fsf", Source: "test", PublishedAt: "2024-04-01", RawSHA256: "eu", Entities: es})
	if err == nil || !strings.Contains(err.Error(), "key index of uk-sanctions-list") || !errors.Is(err, errKeyBucket) {
		t.Fatalf("SaveSnapshot = %v; want an error naming the key index of uk-sanctions-list", err)
	}
	if _, err := s.Latest(ctx, "eu-fsf"); !errors.Is(err, ErrNotFound) {
		t.Errorf("eu-fsf after the failed save: %v; want no snapshot", err)
	}
}

// TestMigrateLinkKeys opens a database written at the schema before the
// key index, its keys as link_keys rows, and checks that the migration
// moves every key into the index (nothing relinked, the links as they
// were), and that a later snapshot finds its candidates through them.
func TestMigrateLinkKeys(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// The links and keys of a current database, copied into the old
	// schema as the tracker wrote them then.
	cur, err := Open(ctx, filepath.Join(dir, "current.db"))
	if err != nil {
		t.Fatal(err)
	}
	saveList(t, cur, "uk-sanctions-list", "2024-03-25",
		linkPerson("CYB0046", "Gaobin NI", "1985-10-27", "Cyber"), linkPerson("CYB0045", "Guangzong ZHAO", "1985-11-12", "Cyber"))
	saveList(t, cur, "ofac-sdn", "2024-03-25", linkPerson("47818", "NI, Gaobin", "1985-10-27", "CYBER2"))
	wantKeys := map[string][]keyRow{}
	for _, list := range []string{"uk-sanctions-list", "ofac-sdn"} {
		if wantKeys[list] = readKeyIndex(t, cur.r, list); len(wantKeys[list]) == 0 {
			t.Fatalf("%s has no keys", list)
		}
	}
	wantLinks := linked(t, cur, "ofac-sdn", "47818")
	if len(wantLinks) != 1 {
		t.Fatalf("not linked before the migration: %q", wantLinks)
	}
	if err := cur.Close(); err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(dir, "before.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	migrations, err := tracker.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	before := slices.IndexFunc(migrations, func(m string) bool { return strings.Contains(m, "CREATE TABLE link_index") })
	for i, m := range migrations[:before] {
		if _, err := db.Exec(m); err != nil {
			t.Fatalf("migration %d: %v", i+1, err)
		}
	}
	if _, err := db.Exec(fmt.Sprintf(`PRAGMA user_version = %d; PRAGMA application_id = %d`, before, ApplicationID)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`ATTACH ? AS cur`, filepath.Join(dir, "current.db")); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"snapshots", "entity_versions", "memberships", "changes", "link_facts", "links", "link_state"} {
		if _, err := db.Exec(`INSERT INTO main.` + table + ` SELECT * FROM cur.` + table); err != nil {
			t.Fatalf("copy %s: %v", table, err)
		}
	}
	for list, rows := range wantKeys {
		for _, r := range rows {
			if _, err := db.Exec(`INSERT INTO link_keys (key, entity) VALUES (?, ?)`, r.key, r.entity); err != nil {
				t.Fatalf("%s: %v", list, err)
			}
		}
	}
	// A key whose entity has no facts row: nothing finds it, nothing
	// carries it over.
	if _, err := db.Exec(`INSERT INTO link_keys (key, entity) VALUES (1, 999999)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DETACH cur`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for list, want := range wantKeys {
		if got := readKeyIndex(t, s.r, list); !slices.Equal(got, want) {
			t.Errorf("%s after the migration: %d pairs %v, want %d %v", list, len(got), got, len(want), want)
		}
	}
	var tables int
	if err := s.r.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name IN ('link_keys', 'link_keys_v11')`).Scan(&tables); err != nil || tables != 0 {
		t.Errorf("link_keys left after the migration: %d tables, %v", tables, err)
	}
	if got := linked(t, s, "ofac-sdn", "47818"); !slices.Equal(got, wantLinks) {
		t.Errorf("links after the migration: %q, want %q", got, wantLinks)
	}
	// Through the converted keys: the EU designation finds both; the UK
	// list is not relinked whole (its state was current), so only the
	// index can have found it.
	saveList(t, s, "eu-fsf", "2024-04-01", linkPerson("EU.1", "Guangzong ZHAO", "1985-11-12", "CYB"))
	if got := linked(t, s, "eu-fsf", "EU.1"); len(got) != 1 || !strings.HasPrefix(got[0], "uk-sanctions-list CYB0045 ") {
		t.Errorf("EU.1 after the migration linked to %q; want the UK's CYB0045", got)
	}
}

// TestScanLinkView: where scanLinkView reads a body, it reads what
// json.Unmarshal does; where it is unsure, it says so, and
// decodeForLinking asks encoding/json.
func TestScanLinkView(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		fast bool // scanLinkView reads it itself
	}{
		{"as the tracker writes it", `{"id":"1","kind":"person","name":"NI, Gaobin","aliases":[{"name":"NI Gaobin","strength":"strong","type":"aka"}],"birth_dates":["1985-10-27"],"nationalities":["CN"],"addresses":[{"city":"Wuhan","country":"CN"}],"identifiers":[{"type":"National ID No.","value":"420106198510272012","country":"CN","note":"x"}],"attrs":{"uk_ref":"CYB0046","other":"long text"}}`, true},
		{"escapes and HTML characters", `{"id":"2","name":"A \"B\" \u00e9 \ud83d\ude00 \u003cC\u003e \/ \\","aliases":[{"name":"tab\there"}]}`, true},
		{"non-ASCII without escapes", `{"id":"3","name":"Ахмед Östlund 王"}`, true},
		{"invalid UTF-8", "{\"id\":\"4\",\"name\":\"bad \xff byte\"}", true},
		{"white space", " { \"id\" : \"5\" , \"birth_dates\" : [ \"1970\" , \"1971\" ] , \"attrs\" : { } } ", true},
		{"skipped values of every kind", `{"id":"6","programs":["A","B"],"score":-1.5e3,"ok":true,"no":false,"none":null,"nested":{"a":[{"b":"}]\""}],"c":{}},"name":"X"}`, true},
		{"a key twice", `{"id":"7","name":"first","name":"second","aliases":[{"name":"a"}],"aliases":[{"name":"b"}]}`, true},
		{"empty arrays", `{"id":"8","birth_dates":[],"aliases":[],"identifiers":[]}`, true},
		{"an escaped key", `{"\u0069d":"9"}`, true},
		{"null for a string read", `{"id":"10","name":null}`, false},
		{"null for an array read", `{"id":"11","aliases":null}`, false},
		{"a key matching only without case", `{"id":"12","Name":"X"}`, false},
		{"a nested key matching only without case", `{"id":"13","attrs":{"UK_REF":"X"}}`, false},
		{"a number for a string", `{"id":14}`, false},
		{"bytes after the object", `{"id":"15"}x`, false},
		{"cut short", `{"id":"16","name":"X`, false},
		{"a bad literal", `{"id":"17","x":nul}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, fast := scanLinkView([]byte(tc.body))
			if fast != tc.fast {
				t.Fatalf("scanLinkView read it: %v, want %v", fast, tc.fast)
			}
			if !fast {
				return
			}
			var want linkView
			if err := json.Unmarshal([]byte(tc.body), &want); err != nil {
				t.Fatalf("json.Unmarshal: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("scanLinkView = %+v\nwant %+v", got, want)
			}
		})
	}
}
