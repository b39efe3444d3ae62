/* The monotonic clock in milliseconds, and sleeping on it. */
#ifndef NV_UTIL_TIME_H
#define NV_UTIL_TIME_H

/* Milliseconds on CLOCK_MONOTONIC (deadlines and waits, never wall time). */
long long nv_time_now_ms(void);

/* Sleeps ms milliseconds (nothing when ms <= 0), resuming after signals. */
void nv_time_sleep_ms(long long ms);

#endif
