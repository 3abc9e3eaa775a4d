package main

import (
	"context"
	"flag"

	"github.com/cybersanctions/tracker/internal/lists"
	"github.com/cybersanctions/tracker/internal/store"
)

// defaultDBPath is used when neither --db nor the config names a database.
const defaultDBPath = "tracker.db"

// openStore opens the database named by --db, else by the config, else
// ./tracker.db.
func (e *env) openStore(ctx context.Context) (*store.Store, error) {
	path, err := e.databasePath()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	st.Authority = lists.AuthorityOf
	return st, nil
}

// openStoreToRead opens the database for a command that only reads it
// (see store.OpenToRead).
func (e *env) openStoreToRead(ctx context.Context) (*store.Store, error) {
	path, err := e.databasePath()
	if err != nil {
		return nil, err
	}
	st, err := store.OpenToRead(ctx, path)
	if err != nil {
		return nil, err
	}
	st.Authority = lists.AuthorityOf
	return st, nil
}

// parseAndOpenToRead parses a reporting command's arguments (no operands,
// --format text or json) and opens the database to read.
func (e *env) parseAndOpenToRead(ctx context.Context, fs *flag.FlagSet, args []string, format *string) (*store.Store, error) {
	if err := e.parseFormatFlags(fs, args, format); err != nil {
		return nil, err
	}
	return e.openStoreToRead(ctx)
}

// formatFlag adds --format text|json.
func formatFlag(fs *flag.FlagSet) *string {
	return fs.String("format", "text", "output `format`: text or json")
}

// databasePath is the database named by --db, else by the config, else
// ./tracker.db.
func (e *env) databasePath() (string, error) {
	path := e.dbPath
	if path == "" {
		cfg, err := e.config()
		if err != nil {
			return "", err
		}
		path = cfg.DB
	}
	if path == "" {
		path = defaultDBPath
	}
	return path, nil
}
