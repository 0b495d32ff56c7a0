/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How the test tools look names up in the tables of segf_names.h (which
 * scripts/ynl-gen.py generates from the netlink spec).
 */
#ifndef SEGF_LOOKUP_H
#define SEGF_LOOKUP_H

#include <stdlib.h>
#include <string.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* The attribute names that apply at one level of nesting. */
struct names {
	const char *const *name;
	int n;
};

#define NAMES(a)	{ a, ARRAY_SIZE(a) }

/* The number of name @s in @names, or @s itself if it is a number. */
static inline int segf_name_lookup(const char *s, const char *const *names,
				   int n)
{
	char *end;
	long v;
	int i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(s, names[i]))
			return i;
	v = strtol(s, &end, 0);
	if (*s && !*end && v >= 0 && v < 65536)
		return v;
	return -1;
}

#endif /* SEGF_LOOKUP_H */
