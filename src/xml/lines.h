/* Line numbers from byte offsets, counted as XML counts line ends (LF,
 * CR LF and a lone CR, as expat's XML_GetCurrentLineNumber): parsers keep
 * offsets, which expat gives for nothing, and count lines only where they
 * are needed, or on from the last count. */
#ifndef NV_XML_LINES_H
#define NV_XML_LINES_H

#include <stddef.h>

/* Line ends in bytes [from, to) of data[len] (a CR at to - 1 followed by
 * an LF at to is counted with the LF, in the next range). */
unsigned long nv_xml_line_ends(const char *data, size_t len, size_t from, size_t to);
/* The line (from 1) of the byte at offset off of data. */
unsigned long nv_xml_line_at(const char *data, size_t len, unsigned long off);

#endif
