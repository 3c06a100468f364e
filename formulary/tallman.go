package formulary

import (
	"regexp"
	"strings"
)

// tallMan maps a lower-case drug name to its tall-man lettering, from the
// FDA and ISMP lists of look-alike names. A product's own tall-man name from
// the formulary wins where one is stored; this list covers order text and
// names typed by people.
var tallMan = map[string]string{
	"acetazolamide": "acetaZOLAMIDE", "acetohexamide": "acetoHEXAMIDE",
	"bupropion": "buPROPion", "buspirone": "busPIRone",
	"carboplatin": "CARBOplatin", "cisplatin": "CISplatin",
	"cefazolin": "ceFAZolin", "cefotetan": "cefoTEtan", "cefoxitin": "cefOXitin",
	"ceftazidime": "cefTAZidime", "ceftriaxone": "cefTRIAXone", "cefuroxime": "cefuroxime",
	"chlorpromazine": "chlorproMAZINE", "chlorpropamide": "chlorproPAMIDE",
	"clomiphene": "clomiPHENE", "clomipramine": "clomiPRAMINE",
	"cyclosporine": "cycloSPORINE", "cycloserine": "cycloSERINE",
	"daunorubicin": "DAUNOrubicin", "doxorubicin": "DOXOrubicin", "idarubicin": "IDArubicin",
	"dimenhydrinate": "dimenhyDRINATE", "diphenhydramine": "diphenhydrAMINE",
	"dobutamine": "DOBUTamine", "dopamine": "DOPamine",
	"ephedrine": "ePHEDrine", "epinephrine": "EPINEPHrine",
	"fentanyl": "fentaNYL", "sufentanil": "SUFentanil",
	"glipizide": "glipiZIDE", "glyburide": "glyBURIDE",
	"hydralazine": "hydrALAZINE", "hydroxyzine": "hydrOXYzine",
	"hydromorphone": "HYDROmorphone", "morphine": "morphine",
	"hydrocodone": "HYDROcodone", "oxycodone": "oxyCODONE",
	"medroxyprogesterone": "medroxyPROGESTERone", "methylprednisolone": "methylPREDNISolone",
	"methyltestosterone": "methylTESTOSTERone",
	"nicardipine":        "niCARdipine", "nifedipine": "NIFEdipine",
	"novolin": "novoLIN", "novolog": "novoLOG",
	"oxcarbazepine": "OXcarbazepine", "carbamazepine": "carBAMazepine",
	"prednisolone": "prednisoLONE", "prednisone": "predniSONE",
	"risperidone": "risperiDONE", "ropinirole": "rOPINIRole",
	"sulfadiazine": "sulfADIAZINE", "sulfasalazine": "sulfaSALAzine",
	"tolazamide": "TOLAZamide", "tolbutamide": "TOLBUTamide",
	"vinblastine": "vinBLAStine", "vincristine": "vinCRIStine", "vinorelbine": "vinorelbine",
	"azacitidine": "azaCITIDine", "azathioprine": "azaTHIOprine",
	"oxaliplatin": "OXALIplatin", "paclitaxel": "PACLitaxel", "docetaxel": "DOCEtaxel",
	"vasopressin": "vasopressin", "norepinephrine": "norepinephrine",
	"insulin regular": "insulin regular", "heparin": "heparin",
	"cyclophosphamide": "cyclophosphamide", "ifosfamide": "ifosfamide",
	"levetiracetam": "levETIRAcetam", "levofloxacin": "levoFLOXacin",
	"metformin": "metFORMIN", "metronidazole": "metroNIDAZOLE",
	"nitroglycerin": "nitroglycerin", "nitroprusside": "nitroprusside",
	"pemetrexed": "PEMEtrexed", "pralatrexate": "PRALAtrexate",
}

var wordRE = regexp.MustCompile(`[A-Za-z]+(?:-[A-Za-z]+)?`)

// TallMan returns name with every look-alike drug name in it written in
// tall-man letters ("cefazolin 1 g vial" → "ceFAZolin 1 g vial"). Names
// already in mixed case are left as written: they carry someone's choice.
func TallMan(name string) string {
	if name == "" {
		return name
	}
	if t, ok := tallMan[strings.ToLower(name)]; ok && name == strings.ToLower(name) {
		return t
	}
	return wordRE.ReplaceAllStringFunc(name, func(w string) string {
		if w != strings.ToLower(w) {
			return w
		}
		if t, ok := tallMan[w]; ok {
			return t
		}
		return w
	})
}
