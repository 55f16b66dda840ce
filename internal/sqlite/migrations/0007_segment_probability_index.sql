-- Audiences of one segment start from this index. With the patient id
-- next, its entries come in patient order, so the probes of consents and
-- patients that follow walk those tables in order (several times cheaper
-- than in probability order); with the probability last, a least
-- probability is checked on the entry without reading the row.
DROP INDEX patient_segments_segment;
CREATE INDEX patient_segments_segment ON patient_segments (org_id, model_id, segment, patient_id, probability);
