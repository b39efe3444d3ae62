#include "engine/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/escape.h"

int nv_status_on;

static struct {
    size_t index, total;
    int active;       /* between begin and end */
    int shown;        /* the line is on the terminal now */
    char object[256]; /* "domain vm3" */
    char step[256];
    char drawn[512];  /* what the terminal shows, to skip identical redraws */
} st;

static size_t term_width(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 80;
}

static void draw(int force)
{
    if (!nv_status_on || !st.active)
        return;
    char line[512];
    int n = snprintf(line, sizeof line, "[%zu/%zu]%s%s%s%s", st.index, st.total, st.object[0] ? " " : "",
                     st.object, st.step[0] ? (st.object[0] ? ": " : " ") : "", st.step);
    if (n < 0)
        return;
    /* never wrap: a wrapped line cannot be rewritten with \r. The text is
     * escaped (no control characters), and cut at a character boundary. */
    size_t width = term_width() - 1, len = strlen(line);
    if (len > width) {
        len = width;
        while (len > 0 && ((unsigned char)line[len] & 0xc0) == 0x80)
            len--;
        line[len] = '\0';
    }
    if (!force && st.shown && strcmp(line, st.drawn) == 0)
        return;
    snprintf(st.drawn, sizeof st.drawn, "%s", line);
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    st.shown = 1;
}

void nv_status_begin(size_t total)
{
    memset(&st, 0, sizeof st);
    st.total = total;
    st.active = 1;
}

void nv_status_object(const char *kind, const char *name)
{
    if (!nv_status_on || !st.active)
        return;
    if (st.index < st.total)
        st.index++;
    char safe[200];
    nv_escape_ctrl(name, strlen(name), "\\n", safe, sizeof safe);
    snprintf(st.object, sizeof st.object, "%s %s", kind, safe);
    st.step[0] = '\0';
    draw(0);
}

void nv_status_step(const char *fmt, ...)
{
    if (!nv_status_on || !st.active)
        return;
    va_list ap;
    va_start(ap, fmt);
    nv_escape_vformat(st.step, sizeof st.step, "\\n", fmt, ap);
    va_end(ap);
    draw(0);
}

void nv_status_step_of(const char *kind, const char *name, const char *fmt, ...)
{
    if (!nv_status_on || !st.active)
        return;
    char raw[256], obj[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    char safe[200];
    nv_escape_ctrl(name, strlen(name), "\\n", safe, sizeof safe);
    snprintf(obj, sizeof obj, "%s %s", kind, safe);
    if (strcmp(obj, st.object) == 0)
        nv_status_step("%s", raw);
    else
        nv_status_step("%s: %s", obj, raw);
}

void nv_status_clear(void)
{
    if (!nv_status_on || !st.shown)
        return;
    fputs("\r\033[K", stderr);
    st.shown = 0;
}

void nv_status_redraw(void)
{
    draw(1);
}

void nv_status_end(void)
{
    nv_status_clear();
    st.active = 0;
}
