#include "xml/parser.h"

#include <pthread.h>
#include <sys/random.h>

#include "xml/doc.h"

/* expat salts its hash tables from getrandom(2) for every parser: one
 * system call per document, thousands in an apply. One random salt per
 * process protects the tables as well (drawn once, whichever thread asks
 * first). */
static unsigned long salt;

static void draw_salt(void)
{
    if (getrandom(&salt, sizeof salt, GRND_NONBLOCK) != (ssize_t)sizeof salt)
        salt = 0; /* 0: expat draws its own, as before */
}

static unsigned long hash_salt(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, draw_salt);
    return salt;
}

/* One parser per thread, reset between documents: creating and freeing
 * one cost a third of expat's work on a small definition (its tables,
 * buffers and two getenv). One that read a large document is freed, not
 * kept with its large buffer. */
static _Thread_local XML_Parser spare;

XML_Parser nv_xml_parser_take(void)
{
    XML_Parser p = spare;
    spare = NULL;
    if (p && !XML_ParserReset(p, NULL)) {
        XML_ParserFree(p);
        p = NULL;
    }
    if (!p)
        p = XML_ParserCreate(NULL);
    if (p && hash_salt())
        XML_SetHashSalt(p, hash_salt());
    return p;
}

void nv_xml_parser_give(XML_Parser p, size_t doc_len)
{
    if (spare || doc_len > 64 * 1024)
        XML_ParserFree(p);
    else
        spare = p;
}

void nv_xml_thread_done(void)
{
    if (spare)
        XML_ParserFree(spare);
    spare = NULL;
}
