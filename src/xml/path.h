/* Simple paths into a tree, in the form the diff prints them.
 *
 * A path is steps separated by '/'. A step is an element name as written
 * ("qemu:commandline"), optionally followed by a 1-based index among the
 * siblings of that name ("interface[2]"); the last step may be "@name" for
 * an attribute. A path starting with '/' is absolute: its first step names
 * the root element ("/pool/target/permissions"); otherwise it is relative
 * to the element passed in ("target/permissions"). */
#ifndef NV_XML_PATH_H
#define NV_XML_PATH_H

#include <stddef.h>

#include "util/error.h"
#include "xml/doc.h"

#define NV_XML_PATH_MAX 1024 /* longest path text accepted */

/* First element matching path, in document order; NULL when there is none,
 * when the path is malformed, or when it ends in an attribute step. */
nv_xml_node *nv_xml_find(const nv_xml_node *from, const char *path);

/* Value at path: the attribute value for a path ending in "@name" (from the
 * first matching element that has it), otherwise the text of the first
 * matching element (see nv_xml_text). NULL when there is none. */
const char *nv_xml_find_value(const nv_xml_node *from, const char *path);

/* Removes every element or attribute matching path and returns how many
 * were removed, or -1 (NV_ERR_INPUT) for a malformed path or a path that
 * would remove the root itself. */
long nv_xml_remove_path(nv_xml_node *root, const char *path, nv_err *e);

/* nv_xml_remove_path for each of n paths; returns the total removed or -1. */
long nv_xml_remove_paths(nv_xml_node *root, const char *const *paths, size_t n, nv_err *e);

#endif
