-- Psychographic assessments: every classification of a patient, kept as
-- history, and the current segment per (patient, model) for audiences.
CREATE TABLE assessments (
	id            TEXT PRIMARY KEY,
	org_id        TEXT NOT NULL,
	patient_id    TEXT NOT NULL REFERENCES patients (id),
	model_id      TEXT NOT NULL,
	model_version TEXT NOT NULL,
	form          TEXT NOT NULL,
	segment       TEXT NOT NULL,
	probability   DOUBLE PRECISION NOT NULL,
	probabilities TEXT NOT NULL,
	answered      INTEGER NOT NULL,
	channels      TEXT NOT NULL,
	at            BIGINT NOT NULL,
	source        TEXT NOT NULL
);
CREATE INDEX assessments_patient ON assessments (org_id, patient_id, at);

CREATE TABLE patient_segments (
	org_id        TEXT NOT NULL,
	patient_id    TEXT NOT NULL REFERENCES patients (id),
	model_id      TEXT NOT NULL,
	segment       TEXT NOT NULL,
	probability   DOUBLE PRECISION NOT NULL,
	at            BIGINT NOT NULL,
	assessment_id TEXT NOT NULL,
	PRIMARY KEY (org_id, model_id, patient_id)
);
CREATE INDEX patient_segments_segment ON patient_segments (org_id, model_id, segment);
