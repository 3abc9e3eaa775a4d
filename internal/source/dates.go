package source

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

var monthAbbrev = map[string]int{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

// ISOPartial formats a possibly partial date: month or day 0 means unknown.
// Every OFAC entry has a date or two, so the usual case is formatted by
// hand rather than through fmt.
func ISOPartial(y, m, d int) string {
	if y >= 0 && y <= 9999 && m >= 0 && m <= 99 && d >= 0 && d <= 99 {
		b := make([]byte, 0, 10)
		b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10))
		if m != 0 {
			b = append(b, '-', byte('0'+m/10), byte('0'+m%10))
			if d != 0 {
				b = append(b, '-', byte('0'+d/10), byte('0'+d%10))
			}
		}
		return string(b)
	}
	switch {
	case m == 0:
		return fmt.Sprintf("%04d", y)
	case d == 0:
		return fmt.Sprintf("%04d-%02d", y, m)
	default:
		return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	}
}

// DayMonthYear reads the UK form dd/mm/yyyy, where unknown parts are 00 or
// letters ("00/00/1975", "dd/mm/1963", "00/06/1980"), and returns a partial ISO
// date. Anything else is returned as it is, trimmed, so no information is lost.
func DayMonthYear(s string) string {
	s = strings.TrimSpace(s)
	parts := strings.Split(s, "/")
	if len(parts) != 3 || len(parts[2]) != 4 {
		return s
	}
	y, err := strconv.Atoi(parts[2])
	if err != nil || y == 0 {
		return s
	}
	m, _ := strconv.Atoi(parts[1]) // "mm", "00" → 0: unknown
	d, _ := strconv.Atoi(parts[0])
	if m < 0 || m > 12 || d < 0 || d > 31 || (m == 0 && d != 0) {
		return s
	}
	return ISOPartial(y, m, d)
}

// DayMonAbbrevYear reads OFAC's "12 Nov 2012", "Nov 2012" and "2012" and
// returns a partial ISO date; anything else ("circa 1962", "1960 to 1962") is
// returned as it is, trimmed.
func DayMonAbbrevYear(s string) string {
	s = strings.TrimSpace(s)
	f := strings.Fields(s)
	var y, m, d int
	var err error
	switch len(f) {
	case 1:
		y, err = strconv.Atoi(f[0])
	case 2:
		m = monthAbbrev[strings.ToLower(f[0])]
		y, err = strconv.Atoi(f[1])
	case 3:
		d, err = strconv.Atoi(f[0])
		m = monthAbbrev[strings.ToLower(f[1])]
		if err == nil {
			y, err = strconv.Atoi(f[2])
		}
	default:
		return s
	}
	if err != nil || y < 1000 || y > 9999 || (len(f) > 1 && m == 0) || d < 0 || d > 31 {
		return s
	}
	return ISOPartial(y, m, d)
}

// DateForm is one way a publisher writes the date of a publication.
type DateForm int

const (
	// FormISO is ISO 8601: "2020-04-15", "2020-04-15T15:29:22.497+02:00".
	FormISO DateForm = iota
	// FormDayMonthYear is the UK's dd/mm/yyyy (OFSI "Last Updated").
	FormDayMonthYear
	// FormMonthDayYear is OFAC's MM/DD/YYYY (Publish_Date).
	FormMonthDayYear
	// FormDayMonAbbrevYear is the UK Sanctions List CSV's "08-Oct-2026".
	FormDayMonAbbrevYear
)

var dateFormNames = map[DateForm]string{
	FormISO: "YYYY-MM-DD", FormDayMonthYear: "dd/mm/yyyy", FormMonthDayYear: "MM/DD/YYYY", FormDayMonAbbrevYear: "DD-Mon-YYYY",
}

var dateLayouts = map[DateForm][]string{
	FormISO:              {time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02Z07:00", time.DateOnly},
	FormDayMonthYear:     {"02/01/2006", "2/1/2006"},
	FormMonthDayYear:     {"01/02/2006", "1/2/2006"},
	FormDayMonAbbrevYear: {"02-Jan-2006", "2-Jan-2006", "02 Jan 2006", "2 Jan 2006"},
}

// PublicationDate reads the date a list states for itself, written in one
// of forms, and returns it as ISO YYYY-MM-DD. Dates are compared and stored
// in that form only: a form we cannot read is an error, never a string kept
// as if it were a date, because the store orders publications by it.
// Month abbreviations are matched without regard to case, as time.Parse
// does.
func PublicationDate(s string, forms ...DateForm) (string, error) {
	s = strings.TrimSpace(s)
	for _, f := range forms {
		for _, layout := range dateLayouts[f] {
			if t, err := time.Parse(layout, s); err == nil {
				if t.Year() < 1900 {
					return "", fmt.Errorf("date %q is before 1900", s)
				}
				return t.Format(time.DateOnly), nil
			}
		}
	}
	names := make([]string, len(forms))
	for i, f := range forms {
		names[i] = dateFormNames[f]
	}
	return "", fmt.Errorf("%.40q is not a date (want %s)", s, strings.Join(names, " or "))
}
