/* libFuzzer target for definition files, read as nv_spec_read reads them
 * (nv_xml_parse_file: the text check for UTF-8 documents, then the parse)
 * and checked as the root element's kind (domain when it names none).
 * A definition it accepts is parsed again from the XML we would send: it
 * must be accepted, with the same name, UUID and text (MACs filled in
 * once stay as they are). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/spec.h"
#include "util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nv_err e;
    nv_err_clear(&e);
    if (nv_text_check("d.xml", (const char *)data, size, &e) < 0)
        return 0;
    enum nv_spec_kind kind = NV_SPEC_DOMAIN;
    nv_xml_node *root = nv_xml_parse((const char *)data, size, "d.xml", &e);
    if (!root)
        return 0;
    nv_spec_kind_from_name(root->name, &kind);
    nv_xml_free(root);
    nv_spec s;
    if (nv_spec_parse(&s, kind, "d.xml", (const char *)data, size, &e) < 0) {
        if (!strstr(e.msg, "d.xml") && e.kind == NV_ERR_INPUT)
            abort(); /* every refusal names the file */
        return 0;
    }
    if (!s.xml || !s.name || s.xml_len > NV_SPEC_XML_MAX)
        abort();
    nv_spec again;
    if (nv_spec_parse(&again, kind, "sent.xml", s.xml, s.xml_len, &e) < 0)
        abort(); /* what we send we must accept */
    if (strcmp(again.name, s.name) != 0 || again.has_uuid != s.has_uuid ||
        memcmp(again.uuid, s.uuid, sizeof s.uuid) != 0 || again.nmacs != 0 || again.xml_len != s.xml_len ||
        memcmp(again.xml, s.xml, s.xml_len) != 0)
        abort();
    nv_spec_free(&again);
    nv_spec_free(&s);
    return 0;
}
