package sqlstore

import (
	"database/sql"
	"testing"

	_ "modernc.org/sqlite"
)

// TestIDShareCoversEachIDOnce: for any number of shares, every id — the
// hex ids newID makes and any other — falls in exactly one share.
func TestIDShareCoversEachIDOnce(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE p (id TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	ids := []string{newID(), "x", "A", "-", "~", "0", "f", "g", "Z9", "é", newID() + "z", newID()[:30] + "é"}
	for _, c := range hexDigits {
		ids = append(ids, newID()[:31]+string(c))
	}
	for _, id := range ids {
		if _, err := db.Exec(`INSERT INTO p VALUES (?)`, id); err != nil {
			t.Fatal(err)
		}
	}
	for n := 1; n <= 17; n++ {
		seen := map[string]int{}
		for i := range n {
			cond, args := idShare("p.id", i, n)
			rows, err := db.Query(`SELECT id FROM p WHERE 1 = 1`+cond, args...)
			if err != nil {
				t.Fatalf("n=%d share %d: %v", n, i, err)
			}
			for rows.Next() {
				var id string
				rows.Scan(&id)
				seen[id]++
			}
			rows.Close()
		}
		for _, id := range ids {
			if seen[id] != 1 {
				t.Errorf("n=%d: id %q in %d shares, want 1", n, id, seen[id])
			}
		}
	}
}
