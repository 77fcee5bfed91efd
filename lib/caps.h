/*
 * Privileges through libcap-ng: check up front for what a command needs, and once
 * its sockets are open keep only that (or nothing). Never setuid.
 */
#ifndef ARPKIT_CAPS_H
#define ARPKIT_CAPS_H

#include <stdbool.h>

enum caps_need {
	CAPS_NONE = 0,
	CAPS_NET_RAW = 1 << 0,
	CAPS_NET_ADMIN = 1 << 1,
};

/* 0 when the effective set holds every capability in `need`, else -EPERM. */
int caps_require(unsigned need);
/* Keep only `keep` (a caps_need mask) in every set, bounding set included; -errno
 * if that fails, in which case the caller must stop (fail closed). */
int caps_limit_to(unsigned keep);

#endif
