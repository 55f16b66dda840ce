// Package hints turns the NCI HINTS Puerto Rico 2007 public-use file into a
// segmentation response table: it picks the attitudinal items (trust in
// sources, confidence, avoidance, cancer beliefs and fatalism, numeracy,
// electronic records, communication with providers), drops refused, don't
// know and not-ascertained codes as missing, and reverses scales so that a
// higher answer always means more (trust, agreement, confidence, frequency,
// importance).
//
// It reads and writes only through io.Reader/io.Writer values; it must not
// know file names. The survey asks that no respondent be identified: never
// print rows, only aggregates.
package hints
