package phi

import "strings"

// The health-term lexicons of the reply guard and the disclosure check.
// They were written for Rapport by its contributors from general medical
// vocabulary (no third-party list was copied), so they carry the project's
// licence. They are deliberately short: the guard decides on clauses, and a
// term only matters next to a second-person, first-person or relative
// reference. Terms are lower case, one per line; a line may hold several
// words ("flu shot"), matched as a token sequence. A trailing "s" or "es" on
// the last word of a text token is also accepted, so plurals need no entry.

// healthClass is a bit set: one term may belong to several classes.
type healthClass uint32

const (
	hDiagnosis  healthClass = 1 << iota // conditions, symptoms, diagnoses
	hProcedure                          // procedures, tests, treatments
	hMedication                         // drugs and drug classes
	hResult                             // results, readings, reports
	hSpecialty                          // departments, units, specialties, care sites
	hProvider                           // clinicians and care teams
	hCareEvent                          // visits, stays and other care encounters
	hRecord                             // charts, records, files
	hBilling                            // insurance, bills, cost
	hBodyPart                           // body parts
	hRecovery                           // healing, recovering, feeling better
	hPreventive                         // services announced to everyone (flu shot)
	hRelative                           // family members and other people close to the poster
	hSensitive                          // specialties whose mere mention reveals a condition
	hSelfState                          // predicates that describe the speaker (pregnant, sober)
)

const lexDiagnosis = `
diabetes
diabetic
prediabetes
cancer
tumor
tumour
leukemia
lymphoma
melanoma
carcinoma
breast cancer
stage
depression
depressed
anxiety
panic attack
bipolar
bipolar disorder
schizophrenia
ptsd
ocd
adhd
autism
dementia
alzheimer
eating disorder
anorexia
bulimia
addiction
alcoholism
overdose
overdosed
substance use
opioid use disorder
hiv
aids
hepatitis
std
sti
covid
long covid
flu
influenza
strep
strep throat
pneumonia
sepsis
uti
infection
ear infection
asthma
copd
allergy
allergic
allergic reaction
stroke
heart attack
heart failure
hypertension
high blood pressure
arrhythmia
seizure
epilepsy
migraine
concussion
fracture
broken
sprain
sprained
torn
lupus
fibromyalgia
arthritis
endometriosis
cyst
ovarian cyst
pcos
infertility
miscarriage
pregnancy
pregnant
postpartum
fever
cough
rash
nausea
vomiting
preeclampsia
gestational diabetes
obesity
kidney disease
kidney failure
cavity
cavities
decay
gum disease
gingivitis
abscess
injury
injured
accident
wound
pain
chronic pain
back pain
chest pain
symptom
condition
illness
disease
disorder
diagnosis
prognosis
cleft palate
mental illness
suicidal
self-harm
psoriasis
eczema
acne
rosacea
shingles
measles
mumps
chickenpox
croup
bronchitis
sinus infection
sinusitis
blood clot
clot
dvt
pulmonary embolism
embolism
anemia
hypothyroidism
hyperthyroidism
thyroid disease
gout
kidney stone
gallstones
hernia
ulcer
colitis
crohn
ibs
celiac
sleep apnea
apnea
insomnia
cardiac arrest
heart disease
afib
atrial fibrillation
angina
aneurysm
cirrhosis
pancreatitis
appendicitis
diverticulitis
cataract
glaucoma
macular degeneration
hearing loss
tinnitus
vertigo
parkinson
multiple sclerosis
als
cerebral palsy
down syndrome
spina bifida
sickle cell
hemophilia
cystic fibrosis
scoliosis
osteoporosis
osteoarthritis
tendonitis
bursitis
carpal tunnel
sciatica
herniated disc
whiplash
burn
laceration
bruise
dislocation
torn acl
meniscus tear
rotator cuff tear
plantar fasciitis
lump
polyp
chlamydia
gonorrhea
syphilis
herpes
hpv
yeast infection
mono
mononucleosis
rsv
norovirus
stomach bug
food poisoning
dehydration
heat stroke
hypothermia
frostbite
tia
jaundice
colic
reflux
gerd
constipation
diarrhea
hemorrhoids
incontinence
erectile dysfunction
menopause
fibroids
preterm labor
contractions
postpartum depression
schizoaffective
psychosis
suicidal ideation
self harm
panic disorder
social anxiety
phobia
agoraphobia
dyslexia
tourette
insulin resistance
high cholesterol
cholesterol
obese
malnutrition
binge eating
relapse
withdrawal
alcohol use disorder
opioid addiction
drug addiction
covid-19
coronavirus
mpox
tuberculosis
mrsa
septic shock
remission
metastatic
terminal
benign
malignant
lesion
asthma attack
anaphylaxis
hives
broken bone
fractured
infected
swelling
bleeding
fainted
dizziness
nauseous
headache
concussion
cardiac
`

const lexProcedure = `
surgery
operation
procedure
c-section
cesarean
delivery
labor
birth
knee replacement
hip replacement
replacement
bypass
transplant
kidney transplant
appendectomy
tonsillectomy
hysterectomy
mastectomy
colonoscopy
endoscopy
biopsy
mri
ct scan
ct
cat scan
x-ray
xray
ultrasound
mammogram
screening
scan
blood test
blood work
lab work
labs
flu test
strep test
covid test
test
chemo
chemotherapy
radiation
infusion
dialysis
physical therapy
therapy
counseling
rehab
rehabilitation
stitches
sutures
cast
root canal
filling
crown
crowns
extraction
implant
veneers
bonding
denture
dentures
cleaning
braces
ivf
abortion
vaccine
vaccines
vaccination
shot
shots
flu shot
booster
immunization
physical
sports physical
checkup
check-up
exam
prenatal
treatment
treatment plan
intake
admission
hospitalization
observation
repair
acl repair
removal
mole removal
blood draw
sleep study
lipid panel
thyroid test
injection
epidural
spinal tap
lumbar puncture
intubation
intubated
ventilator
catheter
transfusion
blood transfusion
pacemaker
stent
angioplasty
catheterization
ablation
cardioversion
ekg
ecg
echocardiogram
stress test
amputation
arthroscopy
spinal fusion
laminectomy
lumpectomy
reconstruction
valve replacement
heart valve replacement
bariatric surgery
gastric bypass
vasectomy
tubal ligation
iud
induction
circumcision
wisdom teeth
deep cleaning
scaling
whitening
implants
occupational therapy
speech therapy
respiratory therapy
cognitive behavioral therapy
detox program
outpatient program
residential treatment
second dose
first dose
booster dose
arrival
new arrival
gastric sleeve
sleeve gastrectomy
weight loss surgery
weight-loss surgery
allergy testing
allergy test
testing
skin test
patch test
`

const lexMedication = `
medication
medicine
meds
prescription
refill
dose
insulin
metformin
ozempic
lisinopril
oxycodone
opioid
opioids
adderall
zoloft
prozac
xanax
antibiotic
antibiotics
penicillin
amoxicillin
antidepressant
painkiller
painkillers
steroid
steroids
birth control
methadone
suboxone
inhaler
shingles vaccine
tetanus shot
antiviral
tamiflu
paxlovid
ibuprofen
acetaminophen
tylenol
morphine
fentanyl
hydrocodone
vicodin
percocet
tramadol
gabapentin
lexapro
wellbutrin
effexor
cymbalta
lithium
seroquel
abilify
ritalin
vyvanse
klonopin
valium
ativan
ambien
naloxone
narcan
buprenorphine
vivitrol
atorvastatin
lipitor
statin
warfarin
eliquis
xarelto
blood thinner
metoprolol
amlodipine
levothyroxine
synthroid
prednisone
albuterol
epipen
mounjaro
wegovy
trulicity
jardiance
truvada
hormone therapy
testosterone
iv fluids
oxygen
`

const lexResult = `
result
results
test results
lab results
a1c
reading
blood pressure reading
pathology report
report
levels
white blood cell count
count
x-rays
blood sample
sample
biopsy results
scan results
mri results
pap smear
blood sugar level
platelet count
abnormal
`

const lexSpecialty = `
er
emergency room
emergency department
ed
urgent care
walk-in clinic
icu
nicu
picu
ortho
orthopedics
cardiology
oncology
neurology
pediatrics
pediatric
psychiatry
psych unit
psych ward
behavioral health
mental health unit
maternity
labor and delivery
l&d
ob
obgyn
ob-gyn
infectious disease
hiv clinic
addiction medicine
detox
fertility clinic
memory clinic
hospice
trauma team
5 west
4 west
4th floor
floor
lab
surgery center
outpatient surgery center
cancer center
room
ward
unit
hospital
cardiac floor
cardiac unit
cardiac icu
step-down unit
med-surg
telemetry
psych floor
behavioral health unit
burn unit
trauma unit
trauma center
stroke unit
dermatology
gastroenterology
urology
nephrology
pulmonology
endocrinology
rheumatology
hematology
allergy clinic
wound clinic
pain clinic
sleep clinic
sleep center
dialysis center
infusion center
mother-baby unit
postpartum unit
recovery room
operating room
pre-op
waiting room
ambulance
6 east
3 north
`

const lexSensitive = `
oncology
cancer center
psychiatry
psych unit
psych ward
behavioral health
mental health
hiv
hiv clinic
infectious disease
addiction medicine
detox
rehab
fertility clinic
ivf
abortion
std
sti
methadone
suboxone
chemo
chemotherapy
radiation
dialysis
hospice
obgyn
ob-gyn
prenatal
colonoscopy
mammogram
biopsy
substance use program
psychiatric unit
std testing
std clinic
sexual health clinic
abortion clinic
family planning
planned parenthood
gender clinic
transplant list
genetic testing
`

const lexProvider = `
doctor
doc
physician
surgeon
nurse
nurses
provider
care team
pa
np
nurse practitioner
therapist
counselor
psychiatrist
psychologist
dentist
hygienist
oncologist
cardiologist
neurologist
pediatrician
obstetrician
midwife
midwives
pharmacist
specialist
anesthesiologist
radiologist
physical therapist
endocrinologist
dermatologist
gastroenterologist
urologist
nephrologist
pulmonologist
rheumatologist
hematologist
orthopedist
orthopedic surgeon
gynecologist
doula
lactation consultant
lactation nurses
respiratory therapist
occupational therapist
speech therapist
social worker
case manager
hospitalist
er doctor
icu nurse
charge nurse
discharge nurse
heart doctor
primary care doctor
pcp
care coordinator
dietitian
diabetes educator
`

const lexCareEvent = `
visit
appointment
appt
stay
admission
discharge
follow-up
followup
follow up
consultation
session
sessions
checkup
check-up
cleaning
care
treatment
hospitalization
case
referral
check-in
bedside
telehealth visit
video visit
virtual visit
office visit
er visit
emergency visit
well visit
wellness visit
hospital stay
`

const lexRecord = `
chart
record
records
file
medical record
medical records
history
paperwork
intake forms
forms
wristband
mrn
notes
scheduling system
`

const lexBilling = `
bill
bills
billed
billing
invoice
statement
balance
charge
charges
charged
copay
co-pay
deductible
insurance
insurer
coverage
covered
claim
medicaid
medicare
payment plan
collections
out-of-pocket
premium
cost
price
health plan
insurance plan
dental plan
blue cross
blue cross blue shield
aetna
cigna
humana
unitedhealthcare
united healthcare
kaiser
anthem
delta dental
prior authorization
account
unpaid balance
past due
medicare advantage
tricare
molina
ambetter
hmo
ppo
eob
explanation of benefits
denial
refund
write-off
`

const lexBodyPart = `
knee
knees
hip
hips
back
shoulder
ankle
wrist
hand
arm
leg
foot
feet
neck
head
forehead
heart
lung
lungs
kidney
liver
gallbladder
stomach
skin
tooth
teeth
molar
gums
smile
mouth
throat
tonsils
eye
eyes
ear
ears
blood pressure
blood sugar
weight
collarbone
rib
spine
jaw
nose
lip
tongue
elbow
thumb
finger
toe
heel
pelvis
bladder
colon
bowel
uterus
ovary
prostate
breast
chest
abdomen
brain
joint
tendon
ligament
acl
meniscus
`

const lexRecovery = `
healing
heal
heals
healed
recovering
recovery
recovers
recovered
feeling better
feel better
getting better
doing better
under control
improved
improving
clears up
cleared up
went well
went smoothly
post-op
pulled through
on the mend
back on your feet
clearing up
clear up
breathing on her own
breathing on his own
off the ventilator
bounce back
`

const lexPreventive = `
flu shot
flu shots
vaccine
vaccines
vaccination
vaccinated
shot
shots
booster
immunization
screening
screenings
mammogram
mammograms
screening mammogram
physical
physicals
sports physical
checkup
check-up
cleaning
exam
appointment
first visit
visit
blood drive
health fair
covid testing
`

const lexRelative = `
mom
mother
mum
dad
father
son
daughter
husband
wife
partner
boyfriend
girlfriend
fiance
child
children
kid
kids
baby
babies
twins
toddler
teen
teenager
brother
sister
grandma
grandmother
grandpa
grandfather
grandparent
aunt
uncle
niece
nephew
cousin
friend
neighbor
neighbour
family member
loved one
stepson
stepdaughter
mother-in-law
father-in-law
sister-in-law
brother-in-law
in-laws
grandson
granddaughter
grandchild
grandchildren
grandkids
grandbaby
stepmom
stepdad
stepmother
stepfather
little guy
little girl
little one
kiddo
newborn
infant
son-in-law
daughter-in-law
spouse
coworker
`

const lexSelfState = `
pregnant
sober
post-op
postpartum
expecting
`

// healthLex maps token sequences to classes. It is built once per Guard and
// only read afterwards, so a Guard may be shared between goroutines.
type healthLex struct {
	// byFirst maps the first word of a term to the terms starting with it,
	// longest first.
	byFirst map[string][]healthTerm
}

type healthTerm struct {
	words []string
	class healthClass
}

func newHealthLex() *healthLex {
	lx := &healthLex{byFirst: make(map[string][]healthTerm)}
	for _, l := range []struct {
		list  string
		class healthClass
	}{
		{lexDiagnosis, hDiagnosis},
		{lexProcedure, hProcedure},
		{lexMedication, hMedication},
		{lexResult, hResult},
		{lexSpecialty, hSpecialty},
		{lexSensitive, hSensitive},
		{lexProvider, hProvider},
		{lexCareEvent, hCareEvent},
		{lexRecord, hRecord},
		{lexBilling, hBilling},
		{lexBodyPart, hBodyPart},
		{lexRecovery, hRecovery},
		{lexPreventive, hPreventive},
		{lexRelative, hRelative},
		{lexSelfState, hSelfState},
	} {
		for _, line := range strings.Split(l.list, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			lx.add(strings.Fields(line), l.class)
		}
	}
	for k, ts := range lx.byFirst {
		// Longest first, so that "flu shot" wins over "flu".
		for i := 1; i < len(ts); i++ {
			for j := i; j > 0 && len(ts[j].words) > len(ts[j-1].words); j-- {
				ts[j], ts[j-1] = ts[j-1], ts[j]
			}
		}
		lx.byFirst[k] = ts
	}
	return lx
}

func (lx *healthLex) add(words []string, c healthClass) {
	ts := lx.byFirst[words[0]]
	for i := range ts {
		if gEqualWords(ts[i].words, words) {
			ts[i].class |= c
			return
		}
	}
	lx.byFirst[words[0]] = append(ts, healthTerm{words: words, class: c})
}

func gEqualWords(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// match returns the classes and length in tokens of the longest term that
// starts at toks[i], or 0, 0.
func (lx *healthLex) match(toks []gtok, i int) (healthClass, int) {
	for _, cand := range lx.lookup(toks[i].norm) {
		if i+len(cand.words) > len(toks) {
			continue
		}
		ok := true
		for j, w := range cand.words {
			t := toks[i+j]
			if t.sentEnd && j < len(cand.words)-1 {
				ok = false
				break
			}
			if !gWordMatches(t.norm, w, j == len(cand.words)-1) {
				ok = false
				break
			}
		}
		if ok {
			return cand.class, len(cand.words)
		}
	}
	// A compound such as "cancer-free" or "post-surgery" carries the
	// classes of its parts.
	if parts := strings.Split(toks[i].norm, "-"); len(parts) == 2 {
		var cl healthClass
		for _, part := range parts {
			for _, cand := range lx.lookup(part) {
				if len(cand.words) == 1 && gWordMatches(part, cand.words[0], true) {
					cl |= cand.class
				}
			}
		}
		if cl &= hDiagnosis | hProcedure | hMedication | hRecovery | hSensitive; cl != 0 {
			return cl, 1
		}
	}
	return 0, 0
}

func (lx *healthLex) lookup(w string) []healthTerm {
	if ts, ok := lx.byFirst[w]; ok {
		return ts
	}
	if s, ok := strings.CutSuffix(w, "es"); ok {
		if ts, ok := lx.byFirst[s]; ok {
			return ts
		}
	}
	if s, ok := strings.CutSuffix(w, "s"); ok {
		return lx.byFirst[s]
	}
	return nil
}

func gWordMatches(tok, w string, last bool) bool {
	if tok == w {
		return true
	}
	if !last {
		return false
	}
	return tok == w+"s" || tok == w+"es"
}

// covered marks the tokens that are part of a term of two or more words
// ("Blue Cross"), which are therefore not names.
func (lx *healthLex) covered(toks []gtok) []bool {
	out := make([]bool, len(toks))
	for i := 0; i < len(toks); i++ {
		if _, n := lx.match(toks, i); n > 1 {
			for k := i; k < i+n; k++ {
				out[k] = true
			}
			i += n - 1
		}
	}
	return out
}
