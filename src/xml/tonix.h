/* XML -> Nix: the attribute set that lib.<kind>.getXML turns back into
 * equivalent XML (same elements, attributes and text; attribute order,
 * whitespace between elements and the order of differently named siblings
 * may differ; same-named siblings keep their order). Driven by the
 * generated schema tables (xml/schema.h), the ones getXML uses.
 *
 * The shape is the one users write: attributes and child elements as keys,
 * lists for repeatable elements, the element's text under its text key
 * (`count`, `value`, ...) or as a plain string when it has no attributes,
 * `true` for an empty element, os.type folded (os = { type = "hvm";
 * arch = ...; }), `@name` for an attribute that shares its name with a
 * child present too. <metadata> content becomes lib.xml fragments written
 * as plain data ({ _nixvirtXml = "elem"; ... }), with the namespace
 * prefixes as written; comments are dropped. The output needs no `lib`. */
#ifndef NV_XML_TONIX_H
#define NV_XML_TONIX_H

#include "util/buf.h"
#include "util/errlist.h"
#include "util/error.h"
#include "xml/doc.h"
#include "xml/schema.h"

enum {
    /* XML the schema does not know is kept through the lib's escape hatch
     * (`_attrs` for attributes, `_xml` for elements) with a warning in
     * *warnings, instead of being an error. */
    NV_XML_TONIX_LENIENT = 1,
};

/* Appends the Nix expression for the document `root` (of schema s) to out.
 * `file` names the input in messages ("<file>:<line>: <reason>"). Unknown
 * XML fails (NV_ERR_INPUT, naming its line) unless LENIENT. */
int nv_xml_to_nix(const nv_xml_node *root, const nv_xml_schema *s, const char *file,
                  unsigned flags, nv_errlist *warnings, nv_buf *out, nv_err *e);

/* A Nix string literal for s ("..." with \\, \", \${, \n, \r, \t escaped). */
int nv_xml_nix_string(nv_buf *out, const char *s);

#endif
