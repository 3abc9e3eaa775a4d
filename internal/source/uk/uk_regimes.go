package uk

import "strings"

// CyberRegimes mark a cyber designation on both UK lists: the FCDO list
// names the regulation, OFSI named the regime in short. OFSI rows are mapped
// to the regulation title, so the short form only matters for files whose
// regime the mapping below does not know.
var CyberRegimes = []string{"The Cyber (Sanctions) (EU Exit) Regulations 2020", "Cyber"}

// ukRegimes pairs each regime as OFSI's Consolidated List names it ("Regime")
// with the regulation title the FCDO UK Sanctions List gives it ("RegimeName")
// and the three-letter prefix of its UK Sanctions List references (CYB0046).
//
// The titles are the FCDO's own, as the UK Sanctions List publishes them (the
// ones in the uk/fcdo fixtures are checked against OFSI rows of the same
// designations by TestUKOFSIProgramsMatchFCDO). Mapping OFSI's short names to
// them means a switch from the OFSI history to the live FCDO list does not
// report every designation's programme as changed. The prefixes are those
// seen on single-regime OFSI groups; they tell which regime each reference
// belongs to when one OFSI group is listed under several regimes.
//
// The match is exact: the pre-2021 ConList used EU-era names ("Iran (human
// rights)", "Ukraine (Sovereignty)") for regimes that were not yet UK
// regulations, and those are kept as published.
var ukRegimes = []struct{ short, title, prefix string }{
	{"Afghanistan", "The Afghanistan (Sanctions) (EU Exit) Regulations 2020", "AFG"},
	{"Belarus", "The Republic of Belarus (Sanctions) (EU Exit) Regulations 2019", "BEL"},
	{"Bosnia and Herzegovina", "The Bosnia and Herzegovina (Sanctions) (EU Exit) Regulations 2020", "BIH"},
	{"Central African Republic", "The Central African Republic (Sanctions) (EU Exit) Regulations 2020", "CAF"},
	{"Chemical Weapons", "The Chemical Weapons (Sanctions) (EU Exit) Regulations 2019", "CHW"},
	{"Counter-Terrorism (Domestic)", "The Counter-Terrorism (Sanctions) (EU Exit) Regulations 2019", "CTD"},
	{"Counter-Terrorism (International)", "The Counter-Terrorism (International Sanctions) (EU Exit) Regulations 2019", "CTI"},
	{"Cyber", "The Cyber (Sanctions) (EU Exit) Regulations 2020", "CYB"},
	{"Democratic People's Republic of Korea", "The Democratic People's Republic of Korea (Sanctions) (EU Exit) Regulations 2019", "DPR"},
	{"Democratic Republic of the Congo", "The Democratic Republic of the Congo (Sanctions) (EU Exit) Regulations 2019", "DRC"},
	{"Global Anti-Corruption", "The Global Anti-Corruption Sanctions Regulations 2021", "GAC"},
	{"Global Human Rights", "The Global Human Rights Sanctions Regulations 2020", "GHR"},
	// In force from July 2025, after every file here; the title is the
	// FCDO's as OpenSanctions' gb_fcdo_sanctions crawler matches it. OFSI's
	// ConList closed before it carried many of its designations: the short
	// name follows the other "Global" regimes and no reference prefix is
	// confirmed, so none is assumed.
	{"Global Irregular Migration and Trafficking in Persons", "The Global Irregular Migration and Trafficking in Persons Sanctions Regulations 2025", ""},
	{"Guinea", "The Guinea (Sanctions) (EU Exit) Regulations 2019", "GUC"},
	{"Guinea-Bissau", "The Republic of Guinea-Bissau (Sanctions) (EU Exit) Regulations 2019", "GUB"},
	{"Haiti", "The Haiti (Sanctions) Regulations 2022", "HAI"},
	{"ISIL (Da'esh) and Al-Qaida", "Isil (Da'esh) and Al-Qaeda (United Nations Sanctions) (EU Exit) Regulations 2019", "AQD"},
	{"Iran", "The Iran (Sanctions) Regulations 2023", "IRN"},
	{"Iran (Human Rights)", "The Iran (Sanctions) (Human Rights) (EU Exit) Regulations 2019", "IHR"},
	{"Iran (Nuclear)", "The Iran (Sanctions) (Nuclear) (EU Exit) Regulations 2019", "INU"},
	{"Iraq", "The Iraq (Sanctions) (EU Exit) Regulations 2020", "IRQ"},
	{"Libya", "The Libya (Sanctions) (EU Exit) Regulations 2020", "LIB"},
	{"Mali", "The Mali (Sanctions) (EU Exit) Regulations 2020", "MAL"},
	{"Myanmar", "The Myanmar (Sanctions) Regulations 2021", "MYA"},
	{"Nicaragua", "The Nicaragua (Sanctions) (EU Exit) Regulations 2020", "NIC"},
	{"Russia", "The Russia (Sanctions) (EU Exit) Regulations 2019", "RUS"},
	{"Somalia", "The Somalia (Sanctions) (EU Exit) Regulations 2020", "SOM"},
	{"South Sudan", "The South Sudan (Sanctions) (EU Exit) Regulations 2019", "SSU"},
	{"Sudan", "The Sudan (Sanctions) (EU Exit) Regulations 2020", "SUD"},
	{"Syria", "The Syria (Sanctions) (EU Exit) Regulations 2019", "SYR"},
	{"Venezuela", "The Venezuela (Sanctions) (EU Exit) Regulations 2019", "VEN"},
	{"Yemen", "The Yemen (Sanctions) (EU Exit) Regulations 2020", "YEM"},
	// The Zimbabwe regime's title is not confirmed by any file here; the
	// short name is kept, only its reference prefix is known.
	{"Zimbabwe", "", "ZIM"},
}

var (
	ukRegimeTitle  = map[string]string{}
	ukRegimePrefix = map[string]string{}
	// ukRegimeKnown are the regime titles of the table: a title outside it
	// is format drift (a new regime), reported once and kept verbatim.
	ukRegimeKnown = map[string]bool{}
)

func init() {
	for _, r := range ukRegimes {
		if r.title != "" {
			ukRegimeTitle[r.short] = r.title
			ukRegimeKnown[r.title] = true
			ukRegimePrefix[r.title] = r.prefix
		}
		ukRegimePrefix[r.short] = r.prefix
	}
}

// RegimeTitle returns the FCDO regulation title of a regime as OFSI named
// it, or the name unchanged when the regime is not known.
func RegimeTitle(ofsiName string) string {
	ofsiName = strings.TrimSpace(ofsiName)
	if t, ok := ukRegimeTitle[ofsiName]; ok {
		return t
	}
	return ofsiName
}
