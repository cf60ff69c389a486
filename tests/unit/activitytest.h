/* activitytest.h - what the record and activity tests share: addresses
 * from text and activity records compared and shown in messages. */
#ifndef DORMANT_ACTIVITYTEST_H
#define DORMANT_ACTIVITYTEST_H

#include <stdbool.h>
#include <stddef.h>
#include "activity.h"

/* The address text stands for (the test fails if it is none); NULL gives
   family 0. */
struct ip_bin test_ip(const char *text);
bool test_ip_equal(const struct ip_bin *a, const struct ip_bin *b);
bool test_activity_equal(const struct activity *a, const struct activity *b);
/* a as text for a message, in buf. */
const char *test_activity_text(const struct activity *a, char *buf,
			       size_t size);

#endif
