/* Durations given in whole seconds (command-line options, manifest attributes). */
#ifndef NV_UTIL_SECONDS_H
#define NV_UTIL_SECONDS_H

/* Parses a non-negative decimal number of seconds (at most 10 days). */
int nv_parse_seconds(const char *s, unsigned *out);

#endif
