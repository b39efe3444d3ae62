#include "xml/schema.h"

#include <string.h>

const nv_xml_schema *nv_xml_schema_find(const char *kind)
{
    static const nv_xml_schema *const all[] = {&nv_xml_schema_domain, &nv_xml_schema_network,
                                               &nv_xml_schema_pool, &nv_xml_schema_volume};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(kind, all[i]->kind) == 0)
            return all[i];
    return NULL;
}
