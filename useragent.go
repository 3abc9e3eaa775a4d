package tracker

// Version is the tracker's release, as it names itself to publishers.
const Version = "0.2"

// UserAgent is the default User-Agent of every request to a publisher. It
// starts "Mozilla/5.0" because OFAC's download host has, since 2026-07-30,
// answered 403 to any User-Agent that does not start with "Mozilla/"
// followed by a digit and is shorter than 40 characters; the comment part
// still names the tracker and where to read about it.
const UserAgent = "Mozilla/5.0 (compatible; tracker/" + Version + "; +https://github.com/cybersanctions/tracker)"
