/*
 * Vendors: who made a MAC, from the IEEE registry shipped by Debian's ieee-data
 * (MA-L /24, MA-M /28, MA-S /36 assignments; longest prefix wins), plus an optional
 * user override file. Loaded once into sorted arrays; lookups are binary searches.
 */
#ifndef ARPKIT_VENDOR_H
#define ARPKIT_VENDOR_H

#include "addr.h"

#define VENDOR_REGISTRY_DIR "/usr/share/ieee-data"
#define VENDOR_UNKNOWN "(unknown)"
#define VENDOR_LOCAL "(locally administered)"

struct vendor_db;

/*
 * Load the registry from dir (NULL: VENDOR_REGISTRY_DIR; missing files are not an
 * error, lookups then say unknown) and the override file (NULL: none). Override lines:
 * "PREFIX<whitespace>NAME", PREFIX being 6, 7, 9 hex digits or a MAC with /bits
 * ("b8:27:eb", "70b3d5f2a", "00:11:22:33:44:55/48"); '#' starts a comment.
 * A bad override line fails with -EINVAL and *bad_line set (1-based).
 *
 * Details: each registry file is read as CSV (oui.csv, mam.csv, oui36.csv, iab.csv),
 * or as the matching .txt when the CSV is absent; damaged registry records are
 * skipped, and of two records for one assignment the first is kept. Names are
 * trimmed of blanks (Unicode spaces included). In the override file '#' opens a
 * comment at the start of a line or after a blank ("Acme#2" is a name), a prefix
 * given twice takes the later line, and any override match beats the registry,
 * however short its prefix. A missing override file is -ENOENT. On failure *db
 * is NULL; bad_line may be NULL.
 */
int vendor_db_load(struct vendor_db **db, const char *dir, const char *override_path,
		   unsigned *bad_line);
void vendor_db_free(struct vendor_db *db);

/* Never NULL: the vendor, VENDOR_LOCAL for locally administered MACs with no
 * override, or VENDOR_UNKNOWN. The string lives as long as db. */
const char *vendor_lookup(const struct vendor_db *db, const struct mac *mac);

/* Number of prefixes loaded (tests and --version). */
unsigned long vendor_db_size(const struct vendor_db *db);

#endif
