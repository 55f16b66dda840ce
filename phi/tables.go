package phi

// Hand-written tables. Each string is lowercase; words with several roles
// appear in several tables. They are folded into the lexicon's flags once.

// titles precede a person's name ("Dr. Ortiz", "Sra. Gómez").
var titleWords = []string{
	"mr", "mrs", "ms", "miss", "mx", "dr", "dra", "drs", "prof", "sr", "sra", "srta", "dña", "dn",
	"doña", "don", "sir", "madam", "mister", "doctor", "doctora", "nurse", "rn", "np", "pa",
	"pastor", "rev", "father", "sister", "brother", "uncle", "aunt", "auntie", "grandma", "grandpa",
	"granny", "nana", "papa", "mama", "mom", "dad", "mommy", "daddy", "cousin", "coach", "officer",
	"detective", "judge", "senator", "captain", "capt", "sgt", "lt", "col", "gen", "major",
}

// nameCues are words after which a capitalised word (even a dictionary word)
// is taken as a name: relations, roles and naming verbs.
var nameCueWords = []string{
	"son", "daughter", "wife", "husband", "mother", "father", "brother", "sister", "mom", "mum",
	"dad", "grandson", "granddaughter", "grandmother", "grandfather", "grandma", "grandpa", "aunt",
	"uncle", "niece", "nephew", "cousin", "friend", "boyfriend", "girlfriend", "fiance", "fiancee",
	"partner", "spouse", "baby", "kid", "child", "stepson", "stepdaughter", "neighbor", "neighbour",
	"roommate", "caregiver", "patient", "pt", "named", "name", "called", "nombre", "apellidos",
	"apellido", "paciente", "hijo", "hija", "madre", "padre", "esposa", "esposo", "marido", "hermano",
	"hermana", "abuela", "abuelo", "tío", "tía", "sobrino", "sobrina", "nieto", "nieta", "primo",
	"prima", "médico", "medico", "enfermera", "enfermero", "dr", "dra", "doctor", "doctora",
	"cc", "attn", "signed", "dear", "hi", "hello", "hey", "thanks", "thank",
	"surgeon", "physician", "nurse", "therapist", "pcp", "attending", "resident", "referred", "seen",
}

// Words that begin a Spanish or English street name.
var streetPrefixWords = []string{
	"calle", "c", "cl", "avenida", "avda", "av", "ave", "plaza", "pza", "pl", "paseo", "pº", "po",
	"camino", "carretera", "ctra", "ronda", "travesía", "travesia", "glorieta", "urbanización",
	"urbanizacion", "urb", "rúa", "rua", "carrer", "passeig", "pasaje", "barrio", "bº", "callejón",
	"vía", "via", "rambla", "alameda", "cuesta", "polígono", "poligono", "carrera", "transversal",
	"diagonal", "route", "rte", "rr", "po box", "box",
}

// Words that end an English street name.
var streetSuffixWords = []string{
	"street", "st", "avenue", "ave", "av", "road", "rd", "boulevard", "blvd", "lane", "ln", "drive",
	"dr", "court", "ct", "way", "place", "pl", "terrace", "ter", "circle", "cir", "highway", "hwy",
	"parkway", "pkwy", "square", "sq", "trail", "trl", "crescent", "close", "row", "pike", "alley",
	"plaza", "loop", "run", "path", "walk", "expressway", "freeway", "turnpike", "heights", "hts",
	"ridge", "point", "crossing", "xing", "gardens", "grove", "park", "hill", "hills", "view",
	"estates", "commons", "mews", "green", "center", "centre", "station", "harbor", "harbour",
	"junction", "landing", "meadow", "meadows", "mill", "pass", "port", "springs", "valley", "villa",
	"village", "vista", "well", "wells", "st.", "strasse", "straße", "katu", "gatan", "vej", "gade",
	"weg", "allee", "rue",
}

// Words that continue an address after the street: unit designators.
var unitWords = []string{
	"apt", "apartment", "suite", "ste", "unit", "floor", "fl", "room", "rm", "bldg", "building",
	"piso", "puerta", "pta", "escalera", "esc", "bajo", "dcha", "izda", "planta", "portal", "no",
	"nº", "número", "numero", "num", "box",
}

// Organisation words that make a capitalised sequence a place of care.
var careSiteWords = []string{
	"hospital", "clinic", "clínica", "clinica", "medical", "health", "healthcare", "center",
	"centre", "centro", "sanatorio", "infirmary", "hospice", "pharmacy", "farmacia", "urgent",
	"memorial", "ambulatorio", "consultorio", "policlínica", "policlinico", "residencia",
	"practice", "associates", "institute", "nursing", "rehabilitation", "pediatrics", "hospice",
}

// headingWords name a document, a section or a clinical service. A
// capitalised run around a care-site word made only of these (and of
// departments) is a heading ("Anticoagulation Clinic", "Nursing Note"), not
// a place.
var headingWords = []string{
	"note", "notes", "report", "summary", "consult", "consultation", "evaluation", "visit", "record",
	"instructions", "department", "dept", "unit", "service", "services", "lab", "laboratory", "team",
	"referral", "admission", "intake", "encounter", "shift", "progress", "education", "triage",
	"anticoagulation", "wound", "diabetes", "diabetic", "geriatrics", "geriatric", "cancer", "heart",
	"pain", "sleep", "memory", "travel", "transplant", "dialysis", "infusion", "primary", "behavioral",
	"mental", "womens", "women's", "family", "adult", "internal", "general", "outpatient",
	"inpatient", "home", "physician", "physicians", "attending", "record", "form", "letter",
	"telephone", "phone", "operative", "procedure", "pathology", "case", "management", "social",
	"work", "medicine", "care", "health", "clinic", "hospital", "center", "centre", "medical",
	"nursing", "pediatrics", "practice", "rehabilitation", "hospice", "institute", "urgent",
	"emergency", "surgery", "surgical", "cardiology", "oncology", "neurology", "radiology",
	"psychiatry", "dermatology", "urology", "orthopedics", "orthopaedics", "gastroenterology",
	"endocrinology", "nephrology", "pulmonary", "pulmonology", "rheumatology", "hematology",
	"obstetrics", "gynecology", "ophthalmology", "infectious", "disease", "diseases", "pharmacy",
	"physical", "therapy", "occupational", "speech", "nutrition", "podiatry", "gi", "ent", "ob",
	"icu", "ed", "er", "or", "pacu", "the", "and", "of", "&", "-",
}

var monthWords = []string{
	"january", "february", "march", "april", "may", "june", "july", "august", "september",
	"october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
	"sept", "oct", "nov", "dec", "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
	"agosto", "septiembre", "setiembre", "octubre", "noviembre", "diciembre", "ene", "abr", "ago",
	"dic",
}

// ambiguousMonths are month words that are also common words; they are a
// date only next to a number or after a date preposition.
var ambiguousMonthWords = []string{"march", "may", "jan", "mar", "sep", "dec", "ago", "june", "august", "april", "ene"}

var weekdayWords = []string{
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tues",
	"wed", "thurs", "thu", "fri", "sat", "lunes", "martes", "miércoles", "miercoles", "jueves",
	"viernes", "sábado", "sabado", "domingo",
}

var holidayWords = []string{
	"christmas", "thanksgiving", "easter", "halloween", "xmas", "navidad", "nochebuena",
	"nochevieja", "hanukkah", "kwanzaa", "valentine",
}

// datePrepWords are words after which a bare month or weekday is a date.
var datePrepWords = []string{
	"on", "in", "since", "until", "till", "by", "from", "of", "last", "next", "this", "early",
	"late", "mid", "before", "after", "during", "de", "el", "en", "desde", "hasta", "pasado",
	"próximo", "este", "dated", "born", "dob",
}

// placePrepWords introduce a place ("lives in Gardena", "vive en Getafe").
var placePrepWords = []string{"in", "from", "near", "at", "to", "en", "desde", "of", "outside", "around"}

// Countries, US states and Spanish autonomous communities are not sub-state
// geography, so they are never PHI by themselves.
var regionWords = []string{
	// countries (English and Spanish names)
	"afghanistan", "albania", "algeria", "andorra", "angola", "argentina", "armenia", "australia",
	"austria", "azerbaijan", "bahamas", "bahrain", "bangladesh", "barbados", "belarus", "belgium",
	"belize", "benin", "bhutan", "bolivia", "bosnia", "botswana", "brazil", "brasil", "brunei",
	"bulgaria", "burundi", "cambodia", "cameroon", "canada", "canadá", "chad", "chile", "china",
	"colombia", "congo", "croatia", "cuba", "cyprus", "czechia", "denmark", "djibouti",
	"dominica", "ecuador", "egypt", "egipto", "eritrea", "estonia", "eswatini", "ethiopia", "fiji",
	"finland", "france", "francia", "gabon", "gambia", "georgia", "germany", "alemania", "ghana",
	"greece", "grecia", "grenada", "guatemala", "guinea", "guyana", "haiti", "honduras", "hungary",
	"iceland", "india", "indonesia", "iran", "iraq", "ireland", "irlanda", "israel", "italy",
	"italia", "jamaica", "japan", "japón", "jordan", "kazakhstan", "kenya", "kiribati", "korea",
	"kosovo", "kuwait", "kyrgyzstan", "laos", "latvia", "lebanon", "lesotho", "liberia", "libya",
	"liechtenstein", "lithuania", "luxembourg", "madagascar", "malawi", "malaysia", "maldives",
	"mali", "malta", "mauritania", "mauritius", "mexico", "méxico", "moldova", "monaco",
	"mongolia", "montenegro", "morocco", "marruecos", "mozambique", "myanmar", "namibia", "nauru",
	"nepal", "netherlands", "holland", "nicaragua", "niger", "nigeria", "norway", "noruega", "oman",
	"pakistan", "palau", "palestine", "panama", "panamá", "paraguay", "peru", "perú",
	"philippines", "poland", "polonia", "portugal", "qatar", "romania", "rumanía", "russia",
	"rusia", "rwanda", "samoa", "senegal", "serbia", "seychelles", "singapore", "slovakia",
	"slovenia", "somalia", "spain", "españa", "sudan", "suriname", "sweden", "suecia",
	"switzerland", "suiza", "syria", "taiwan", "tajikistan", "tanzania", "thailand", "togo", "tonga",
	"tunisia", "túnez", "turkey", "turquía", "turkmenistan", "tuvalu", "uganda", "ukraine",
	"ucrania", "uruguay", "usa", "us", "uk", "america", "britain", "england", "inglaterra",
	"scotland", "wales", "uzbekistan", "vanuatu", "venezuela", "vietnam", "yemen", "zambia",
	"zimbabwe", "europe", "europa", "asia", "africa", "áfrica", "antarctica", "oceania",
	// US states
	"alabama", "alaska", "arizona", "arkansas", "california", "colorado", "connecticut",
	"delaware", "florida", "hawaii", "idaho", "illinois", "indiana", "iowa", "kansas", "kentucky",
	"louisiana", "maine", "maryland", "massachusetts", "michigan", "minnesota", "mississippi",
	"missouri", "montana", "nebraska", "nevada", "ohio", "oklahoma", "oregon", "pennsylvania",
	"tennessee", "texas", "utah", "vermont", "virginia", "washington", "wisconsin", "wyoming",
	// Canadian provinces, Australian states
	"ontario", "quebec", "québec", "manitoba", "alberta", "saskatchewan", "newfoundland", "yukon",
	"nunavut", "queensland", "tasmania",
	// Spanish autonomous communities (not Madrid or Murcia, which are also cities)
	"andalucía", "andalucia", "aragón", "asturias", "baleares", "canarias", "cantabria",
	"cataluña", "catalunya", "extremadura", "galicia", "navarra", "euskadi",
}

// Two-letter US state and territory codes, used only before a ZIP code.
var stateCodes = []string{
	"AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
	"KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
	"NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
	"WI", "WY", "DC", "PR", "GU", "VI",
}

// stopWords are capitalised words that are never a name on their own:
// greetings, pronouns, medical and organisation words, headings.
var stopWords = []string{
	"i", "im", "i'm", "ive", "id", "ill", "you", "we", "they", "he", "she", "it", "the", "a", "an",
	"and", "or", "but", "if", "so", "my", "your", "our", "his", "her", "their", "this", "that",
	"ok", "okay", "lol", "omg", "lmao", "wtf", "haha", "yes", "no", "hi", "hello", "hey", "thanks",
	"thank", "please", "dear", "re", "fwd", "rt", "via", "pm", "am", "est", "pst", "utc", "gmt",
	"covid", "icu", "er", "ed", "or", "ct", "mri", "ekg", "ecg", "bp", "hr", "rr", "hpi", "pmh",
	"ros", "cbc", "bmp", "cmp", "iv", "po", "prn", "bid", "tid", "qid", "qd", "hiv", "aids", "copd",
	"chf", "cad", "dm", "htn", "uti", "dvt", "pe", "mi", "cva", "tia", "gi", "ent", "ob", "gyn",
	"hospital", "clinic", "university", "universidad", "college", "school", "department", "dept",
	"service", "servicio", "unit", "unidad", "center", "centre", "centro", "medical", "medicine",
	"medicina", "health", "salud", "inc", "llc", "ltd", "corp", "co", "company", "group", "bank",
	"insurance", "medicare", "medicaid", "tylenol", "advil", "motrin", "aspirin", "ibuprofen",
	"lasix", "coumadin", "plavix", "lipitor", "zoloft", "prozac", "xanax", "ativan", "norco",
	"vicodin", "percocet", "dilaudid", "keflex", "cipro", "augmentin", "zithromax", "prednisone",
	"metformin", "insulin", "lantus", "humalog", "albuterol", "ventolin", "synthroid", "eliquis",
	"xarelto", "ozempic", "wegovy", "narcan", "suboxone", "adderall", "ritalin", "botox",
	"parkinson", "parkinson's", "alzheimer", "alzheimer's", "crohn", "crohn's", "hodgkin",
	"cushing", "addison", "hashimoto", "down", "tourette", "asperger", "bell", "lyme",
	"google", "facebook", "twitter", "instagram", "tiktok", "youtube", "reddit", "yelp", "amazon",
	"apple", "iphone", "android", "microsoft", "uber", "lyft", "walmart", "cvs", "walgreens",
	"god", "jesus", "lord", "christ", "allah", "covid-19", "sars", "mrsa", "ebola", "zika",
	"patient", "paciente", "informe", "datos", "fecha", "nombre", "apellidos", "domicilio",
	"localidad", "provincia", "sexo", "edad", "médico", "medico", "remitido", "historia",
	"diagnóstico", "diagnostico", "tratamiento", "evolución", "evolucion", "exploración",
	"antecedentes", "anamnesis", "discusión", "discusion", "conclusión", "conclusiones",
	"bibliografía", "correspondencia", "introducción", "resultados", "caso", "clínico",
	"clinico", "mujer", "varón", "varon", "hombre", "niño", "niña", "rx", "tac", "rmn", "tc",
	"ecografía", "ph", "na", "ii", "iii", "iv", "vi", "vii", "viii", "ix", "xi", "xii",
	"mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays", "weekends",
	"italian", "french", "german", "chinese", "japanese", "korean", "vietnamese", "russian", "polish",
	"irish", "indian", "filipino", "haitian", "somali", "arabic", "portuguese", "greek", "dutch",
	"swedish", "canadian", "british", "cuban", "dominican", "brazilian", "nigerian", "ethiopian",
	"ukrainian", "hindi", "urdu", "tagalog", "cantonese", "mandarin", "creole", "asl", "european",
	"leydig", "gleason", "fuhrman", "furhman", "robson", "koch", "billroth", "retzius", "penrose",
	"lowenstein", "foley", "whipple", "apgar", "glasgow", "babinski", "romberg", "kernig",
	"brudzinski", "homans", "trendelenburg", "valsalva", "heimlich", "hartmann", "kocher", "mcburney",
	"blumberg", "rovsing", "giordano", "wilms", "ewing", "kaposi", "barrett", "raynaud", "sjögren",
	"guillain", "barré", "fallot", "wernicke", "korsakoff", "meckel", "paget",
	"min", "max", "seg", "hrs", "kg", "ml", "mg", "dl", "ui", "gy", "hb", "ki", "cr", "fr", "hg",
	"shoutout", "lol", "lmk", "smh", "tbh", "imo", "idk", "omw", "btw", "fyi", "asap", "thx", "pls",
	"english", "spanish", "american", "mexican", "african", "asian", "hispanic", "latino",
	"latina", "white", "black", "caucasian", "catholic", "christian", "muslim", "jewish",
	"diagnosis", "history", "assessment", "plan", "impression", "subjective", "objective",
	"allergies", "medications", "meds", "labs", "vitals", "exam", "discharge", "admission",
	"summary", "note", "notes", "followup", "follow", "chief", "complaint", "physical",
	"emergency", "urgent", "care", "team", "staff", "nursing", "pharmacy", "radiology",
	"cardiology", "oncology", "neurology", "pediatrics", "surgery", "orthopedics", "psychiatry",
	"dermatology", "gastroenterology", "nephrology", "urology", "ophthalmology", "obstetrics",
	"gynecology", "pulmonology", "rheumatology", "endocrinology", "hematology", "infectious",
	"dispo", "disposition", "folfox", "folfiri", "folfirinox", "chop", "abvd", "xelox", "capox",
}

// Keywords that give a number its identifier type. The window before a
// number is searched for the nearest keyword.
var idKeywords = map[string]Type{
	"mrn": MRN, "medical record": MRN, "record": MRN, "nhc": MRN, "historia": MRN,
	"chart": MRN, "hospital number": MRN, "patient id": MRN, "patient number": MRN, "sip": MRN,
	"hc": MRN, "nº historia": MRN, "unit number": MRN, "mr": MRN,
	"member": HealthPlan, "policy": HealthPlan, "insurance": HealthPlan, "plan": HealthPlan,
	"medicare": HealthPlan, "medicaid": HealthPlan, "beneficiary": HealthPlan, "subscriber": HealthPlan,
	"group": HealthPlan, "nass": HealthPlan, "afiliación": HealthPlan, "afiliacion": HealthPlan,
	"tarjeta sanitaria": HealthPlan, "aseguramiento": HealthPlan, "seguridad social": HealthPlan,
	"tis": HealthPlan, "cip": HealthPlan, "hicn": HealthPlan, "mbi": HealthPlan,
	"account": Account, "acct": Account, "a/c": Account, "iban": Account, "card": Account,
	"cuenta": Account, "invoice": Account, "billing": Account, "bill": Account, "claim": Account,
	"license": License, "licence": License, "lic": License, "dl": License, "dea": License,
	"npi": License, "certificate": License, "cert": License, "colegiado": License, "nºcol": License,
	"col": License, "permit": License, "passport": License, "pasaporte": License,
	"vin": Vehicle, "plate": Vehicle, "matrícula": Vehicle, "matricula": Vehicle, "vehicle": Vehicle,
	"serial": Device, "device": Device, "pacemaker": Device, "implant": Device, "model": Device,
	"lot": Device, "udi": Device, "imei": Device,
	"ssn": SSN, "social security": SSN, "ss#": SSN,
	"episodio": ID, "episode": ID, "encounter": ID, "visit": ID, "case": ID, "order": ID,
	"accession": ID, "ticket": ID, "reference": ID, "ref": ID, "confirmation": ID, "id": ID,
	"dni": ID, "nie": ID, "nif": ID, "tracking": ID, "specimen": ID, "sample": ID,
	"phone": Phone, "tel": Phone, "telephone": Phone, "teléfono": Phone, "telefono": Phone,
	"tlf": Phone, "tfno": Phone, "móvil": Phone, "movil": Phone, "cell": Phone, "mobile": Phone,
	"call": Phone, "text": Phone, "ph": Phone, "pager": Phone, "beeper": Phone, "contact": Phone,
	"fax": Fax,
}

// Words before a number that mark it as a postal code.
var zipCueWords = []string{"zip", "cp", "c.p", "postal", "postcode", "zipcode"}

// Label words that, followed by a colon, introduce a value of a known type
// ("Nombre: Ignacio", "Localidad/ Provincia: Valencia").
var labelTypes = map[string]Type{
	"nombre": Name, "apellidos": Name, "apellido": Name, "name": Name, "patient": Name,
	"paciente": Name, "médico": Name, "medico": Name, "doctor": Name, "physician": Name,
	"attending": Name, "pcp": Name, "provider": Name, "surgeon": Name, "cc": Name, "from": Name,
	"to": Name, "signed": Name, "author": Name, "contacto": Name, "familiar": Name,
	"domicilio": Location, "dirección": Location, "direccion": Location, "address": Location,
	"localidad": Location, "provincia": Location, "ciudad": Location, "city": Location,
	"town": Location, "municipio": Location, "residence": Location, "lives": Location,
}
