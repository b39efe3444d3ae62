/* One updating status line on stderr while apply works, when stderr is a
 * terminal (the CLI decides, and turns it on): which object of how many,
 * and what is being done to it, e.g.
 *     [37/110] domain vm3: waiting for ACPI shutdown (12 s of 60)
 * The line is rewritten in place ("\r", erase to the end of the line), cut
 * to the terminal's width so it never wraps, and erased before anything
 * else is written to the terminal (the -v lines go through
 * nv_status_clear). Nothing at all when it is off: a journal or a pipe gets
 * only the -v lines. */
#ifndef NV_ENGINE_STATUS_H
#define NV_ENGINE_STATUS_H

#include <stddef.h>

/* Off unless the CLI turns it on (stderr is a TTY and TERM is not "dumb"). */
extern int nv_status_on;

/* total objects to go through; the count starts at 0 */
void nv_status_begin(size_t total);
/* The next object (counted), e.g. ("domain", "vm3"); the step is cleared. */
void nv_status_object(const char *kind, const char *name);
/* What is being done to the current object (or, before the first, to all). */
void nv_status_step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A step of another object than the current one (a domain its network's
 * restart stops) names it: "network n: domain vm3: waiting ...". The same
 * object: as nv_status_step. */
void nv_status_step_of(const char *kind, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Erases the line for other output; the next update draws it again. */
void nv_status_clear(void);
/* Draws the line again after other output (no-op when nothing is shown). */
void nv_status_redraw(void);
/* Erases the line for good. */
void nv_status_end(void);

#endif
