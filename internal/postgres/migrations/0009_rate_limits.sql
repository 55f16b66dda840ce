-- Provider rate limits shared by every process delivering from this
-- database: the time from which the next block of send slots of a provider
-- account is free (Store.ReserveSlots).
CREATE TABLE rate_limits (
	account TEXT PRIMARY KEY,
	next_at BIGINT NOT NULL
);
