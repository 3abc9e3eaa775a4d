package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

func runExportRaw(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("export-raw", "SNAPSHOT DIR | --verify", `
Write the raw published files of a snapshot into DIR, byte for byte as
they were fetched or imported; each file's sha256 is checked against the
one recorded when it was stored. Files are stored as deltas of the
list's previous version of the same file: a damaged or missing version is
reported with every snapshot whose files need it. With raw_retention N >= 0,
snapshots older than the newest N of their list keep only the files'
names, sizes and hashes. Existing files in DIR are not overwritten.

--verify reads back every stored raw file of every snapshot instead, prints
each damaged or missing one with the snapshots it affects, and exits 2 if
there is any.`)
	verify := fs.Bool("verify", false, "check every stored raw file; write nothing")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if *verify {
		if fs.NArg() != 0 {
			fs.Usage()
			return errUsage
		}
		return verifyRaw(ctx, e)
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return errUsage
	}
	id, err := snapshotArg(fs.Arg(0))
	if err != nil {
		return err
	}
	dir := fs.Arg(1)
	st, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	sn, err := st.Snapshot(ctx, id)
	if err != nil {
		return err
	}
	files, err := st.RawFiles(ctx, id)
	if err != nil {
		return err
	}
	if as, err := st.AcceptedAs(ctx, id); err == nil && as != 0 && len(files) == 0 {
		return fmt.Errorf("snapshot %s was accepted as snapshot %d, which holds its raw files now: tracker export-raw %d DIR", sn.Label(), as, as)
	}
	if len(files) == 0 {
		return fmt.Errorf("snapshot %s has no raw files: stored before raw files were kept, or with raw_retention 0", sn.Label())
	}
	// Check every file before writing any, so a damaged or pruned copy
	// leaves DIR as it was.
	data := make([][]byte, len(files))
	for i, f := range files {
		if data[i], err = f.Data(); err != nil {
			return fmt.Errorf("snapshot %s: %w", sn.Label(), err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i, f := range files {
		name := filepath.Base(f.Name) // the stored name is a base name; never write outside DIR
		path := filepath.Join(dir, name)
		if err := writeNew(path, data[i]); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s\t%d bytes\tsha256 %s\n", path, f.Size, f.SHA256)
	}
	return nil
}

// verifyRaw prints every damaged raw file, one line each.
func verifyRaw(ctx context.Context, e *env) error {
	st, err := e.openStoreToRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	found, err := st.VerifyRaw(ctx)
	if err != nil {
		return err
	}
	for _, d := range found {
		fmt.Fprintln(e.stderr, d.Error())
	}
	if len(found) > 0 {
		fmt.Fprintf(e.stderr, "%d raw files damaged or missing: restore the database from a backup to read the snapshots named\n", len(found))
		return exitCodeError{exitTrouble}
	}
	fmt.Fprintln(e.stdout, "every stored raw file reads back with its recorded sha256")
	return nil
}

// writeNew writes a file that must not exist yet, and syncs it.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
