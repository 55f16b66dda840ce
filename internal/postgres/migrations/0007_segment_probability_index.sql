-- Audiences of one segment start from this index: entries in patient
-- order, and the probability included so that a least probability is
-- checked by an index-only scan.
DROP INDEX patient_segments_segment;
CREATE INDEX patient_segments_segment ON patient_segments (org_id, model_id, segment, patient_id) INCLUDE (probability);
