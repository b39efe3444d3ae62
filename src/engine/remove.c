#include "engine/remove.h"

#include "engine/log.h"
#include "engine/power.h"

int nv_remove_object(nv_conn *c, enum nv_kind kind, const nv_obj *o, nv_err *e)
{
    const nv_kind_ops *k = nv_kind_ops_get(kind);
    int persistent = k->is_persistent(c, o, e);
    if (persistent < 0)
        return -1;
    int active = nv_obj_is_active(c, k, o, e);
    if (active < 0)
        return -1;
    if (active) {
        /* domains using a removed network are stopped, not restarted */
        nv_obj_list dependants = {0};
        int rc = nv_power_deactivate(c, kind, o, NULL, &dependants, e);
        for (size_t i = 0; i < dependants.n; i++)
            nv_log_obj("domain", dependants.v[i].uuid, "stays stopped: network %s was removed", o->name);
        nv_obj_list_free(&dependants);
        if (rc < 0)
            return -1;
    }
    if (!persistent)
        return 0; /* a transient object is gone once stopped */
    nv_log_obj(k->name, o->uuid, "undefine");
    return k->undefine(c, o, e);
}
