/* measure OUTFILE STDOUT STDERR CMD...: runs CMD once, its output in STDOUT
 * and STDERR, and appends "wall_ms cpu_ms rss_kib" to OUTFILE: wall time from
 * before its fork to its reaping, its user + system CPU and peak RSS from
 * wait4 (CPU to the microsecond: /usr/bin/time prints hundredths of a
 * second, and a whole apply of 1000 objects takes ~30 ms). A small C program,
 * not a script: a child forked from a large process starts with that
 * process's pages in its peak RSS. Exits with CMD's status (128 + signal). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double ms(const struct timeval *tv)
{
    return (double)tv->tv_sec * 1e3 + (double)tv->tv_usec / 1e3;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: measure OUTFILE STDOUT STDERR CMD...\n");
        return 2;
    }
    int fo = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int fe = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fo < 0 || fe < 0) {
        perror("measure: output");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid == 0) {
        if (dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
            _exit(127);
        execvp(argv[4], argv + 4);
        _exit(127);
    }
    if (pid < 0) {
        perror("measure: fork");
        return 2;
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0)
        ;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    FILE *f = fopen(argv[1], "a");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    fprintf(f, "%.2f %.3f %ld\n", (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
            ms(&ru.ru_utime) + ms(&ru.ru_stime), ru.ru_maxrss);
    if (fclose(f) != 0)
        return 2;
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
