/* The expat parser the xml layer reuses (inside src/xml only): taken for
 * a document with the process's hash salt set, given back after it. */
#ifndef NV_XML_PARSER_H
#define NV_XML_PARSER_H

#include <stddef.h>

#include <expat.h>

/* A parser ready for a new document (handlers unset), or NULL when out of
 * memory. */
XML_Parser nv_xml_parser_take(void);
/* Done with p, which parsed doc_len bytes: kept for the next document, or
 * freed. */
void nv_xml_parser_give(XML_Parser p, size_t doc_len);

#endif
