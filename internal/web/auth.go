package web

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// Auth guards the pages. Both zero: no check, for the default bind to
// 127.0.0.1. Users set: HTTP basic auth against them. ProxyHeader set: a
// reverse proxy in front authenticates, and a request must carry this
// header (the user it let in); the proxy must strip it from what clients
// send, which is why the header is named by the operator.
type Auth struct {
	Users       map[string]string // user → password
	ProxyHeader string
}

// LoadUsers reads "user:password" lines from a file (a systemd credential
// or a file only the service may read); blank lines and # comments are
// skipped. Errors never quote a line: it holds a password.
func LoadUsers(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("web credentials: %w", err)
	}
	defer f.Close()
	users := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, pass, ok := strings.Cut(line, ":")
		if !ok || user == "" || pass == "" {
			return nil, fmt.Errorf("web credentials %s line %d: want user:password", path, n)
		}
		users[user] = pass
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("web credentials %s: %w", path, err)
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("web credentials %s: no user:password line", path)
	}
	return users, nil
}

// allow reports whether the request may see the pages, answering it when
// not.
func (a Auth) allow(w http.ResponseWriter, r *http.Request) bool {
	if a.ProxyHeader != "" {
		if strings.TrimSpace(r.Header.Get(a.ProxyHeader)) != "" {
			return true
		}
		http.Error(w, "not authenticated by the proxy", http.StatusUnauthorized)
		return false
	}
	if len(a.Users) == 0 {
		return true
	}
	user, pass, ok := r.BasicAuth()
	if ok {
		want, known := a.Users[user]
		// Hash both sides so the comparison takes the same time whatever
		// the lengths; an unknown user costs the same as a wrong password.
		got, exp := sha256.Sum256([]byte(pass)), sha256.Sum256([]byte(want))
		if subtle.ConstantTimeCompare(got[:], exp[:]) == 1 && known {
			return true
		}
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="tracker", charset="UTF-8"`)
	http.Error(w, "authentication required", http.StatusUnauthorized)
	return false
}
