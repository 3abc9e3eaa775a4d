package main

import (
	"context"
	"fmt"
)

func runBackup(ctx context.Context, e *env, args []string) error {
	fs := e.newFlagSet("backup", "PATH", `
Write a consistent copy of the database to PATH while the tracker keeps
running (SQLite's VACUUM INTO, through a read-only connection). PATH must
not exist: backup never overwrites a file. Restore by stopping the tracker
and putting the copy in the database's place.`)
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	path := fs.Arg(0)
	st, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	size, err := st.Backup(ctx, path)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backed up %s to %s (%s)\n", st.Path(), path, byteSize(size))
	return nil
}

// byteSize renders a size for people: "1.4 MiB (1468006 bytes)".
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB (%d bytes)", float64(n)/float64(div), "KMGTPE"[exp], n)
}
