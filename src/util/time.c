/* The monotonic clock in milliseconds, and sleeping on it. */
#include "util/time.h"

#include <errno.h>
#include <time.h>

long long nv_time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void nv_time_sleep_ms(long long ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    /* the remainder after an interrupting signal: the full wait still happens */
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}
