package main

import (
	"context"

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

// openStoreToRead opens the database for a command that only reads it
// (see store.OpenToRead).
func (e *env) openStoreToRead(ctx context.Context) (*store.Store, error) {
	path, err := e.databasePath()
	if err != nil {
		return nil, err
	}
	return store.OpenToRead(ctx, path)
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
