package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

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
	return store.Open(ctx, path)
}

// openStoreToRead opens the database for a command that only reads it.
// Such commands work for a user who may read the database but not write
// to its directory: store.Open is used when it can work (it also migrates
// an older schema), store.OpenReadOnly otherwise.
func (e *env) openStoreToRead(ctx context.Context) (*store.Store, error) {
	path, err := e.databasePath()
	if err != nil {
		return nil, err
	}
	_, err = os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) ||
		syscall.Access(filepath.Dir(path), wOK) == nil && syscall.Access(path, wOK) == nil {
		return store.Open(ctx, path)
	}
	return store.OpenReadOnly(ctx, path)
}

// wOK is access(2)'s W_OK, which package syscall does not name.
const wOK = 2

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
