/* floor: the least a client can do to learn what `nixvirt apply` must know
 * for a no-op, on our own rpc layer: open a connection, list every domain,
 * network and pool (one pipelined round trip), fetch every object's
 * inactive XML (one pipelined round trip), close. bench/apply.sh measures
 * the no-op apply as a ratio to this.
 *
 *   floor URI        prints "<domains> <networks> <pools> <xml bytes>"
 *
 * It checks nothing and keeps nothing: it is the daemon's floor, not a tool. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/connect.h"
#include "rpc/remote_calls.gen.h"

static int fail(const nv_err *e)
{
    fprintf(stderr, "floor: %s\n", e->msg);
    return 1;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN); /* as nixvirt's main does */
    if (argc != 2) {
        fprintf(stderr, "usage: floor URI\n");
        return 2;
    }
    nv_err e;
    nv_err_clear(&e);
    nv_connect_opts o = {0};
    nv_conn *c = nv_connect_open(argv[1], &o, &e);
    if (!c)
        return fail(&e);

    uint32_t s[3];
    remote_connect_list_all_domains_args da = {.need_results = 1};
    remote_connect_list_all_networks_args na = {.need_results = 1};
    remote_connect_list_all_storage_pools_args pa = {.need_results = 1};
    remote_connect_list_all_domains_ret dr;
    remote_connect_list_all_networks_ret nr;
    remote_connect_list_all_storage_pools_ret pr;
    if (nv_remote_connect_list_all_domains_start(c->rpc, &da, &s[0], &e) < 0 ||
        nv_remote_connect_list_all_networks_start(c->rpc, &na, &s[1], &e) < 0 ||
        nv_remote_connect_list_all_storage_pools_start(c->rpc, &pa, &s[2], &e) < 0 ||
        nv_remote_connect_list_all_domains_finish(c->rpc, s[0], &dr, &e) < 0)
        return fail(&e);
    if (nv_remote_connect_list_all_networks_finish(c->rpc, s[1], &nr, &e) < 0)
        return fail(&e);
    if (nv_remote_connect_list_all_storage_pools_finish(c->rpc, s[2], &pr, &e) < 0)
        return fail(&e);

    size_t nd = dr.domains.domains_len, nn = nr.nets.nets_len, np = pr.pools.pools_len;
    uint32_t *xs = calloc(nd + nn + np + 1, sizeof *xs);
    if (!xs)
        return 1;
    size_t k = 0;
    for (size_t i = 0; i < nd; i++) {
        remote_domain_get_xml_desc_args a = {.dom = dr.domains.domains_val[i], .flags = 2 /* INACTIVE */};
        if (nv_remote_domain_get_xml_desc_start(c->rpc, &a, &xs[k++], &e) < 0)
            return fail(&e);
    }
    for (size_t i = 0; i < nn; i++) {
        remote_network_get_xml_desc_args a = {.net = nr.nets.nets_val[i], .flags = 1 /* INACTIVE */};
        if (nv_remote_network_get_xml_desc_start(c->rpc, &a, &xs[k++], &e) < 0)
            return fail(&e);
    }
    for (size_t i = 0; i < np; i++) {
        remote_storage_pool_get_xml_desc_args a = {.pool = pr.pools.pools_val[i], .flags = 1 /* INACTIVE */};
        if (nv_remote_storage_pool_get_xml_desc_start(c->rpc, &a, &xs[k++], &e) < 0)
            return fail(&e);
    }
    size_t bytes = 0;
    for (size_t i = 0; i < k; i++) {
        /* the domains' serials come first, then the networks', then the pools' */
        remote_domain_get_xml_desc_ret dx;
        remote_network_get_xml_desc_ret nx;
        remote_storage_pool_get_xml_desc_ret px;
        char *xml;
        int rc;
        if (i < nd) {
            rc = nv_remote_domain_get_xml_desc_finish(c->rpc, xs[i], &dx, &e);
            xml = dx.xml;
        } else if (i < nd + nn) {
            rc = nv_remote_network_get_xml_desc_finish(c->rpc, xs[i], &nx, &e);
            xml = nx.xml;
        } else {
            rc = nv_remote_storage_pool_get_xml_desc_finish(c->rpc, xs[i], &px, &e);
            xml = px.xml;
        }
        if (rc < 0)
            return fail(&e);
        bytes += strlen(xml);
        free(xml);
    }
    printf("%zu %zu %zu %zu\n", nd, nn, np, bytes);
    free(xs);
    nv_proto_free_remote_connect_list_all_domains_ret(&dr);
    nv_proto_free_remote_connect_list_all_networks_ret(&nr);
    nv_proto_free_remote_connect_list_all_storage_pools_ret(&pr);
    nv_connect_close(c);
    return 0;
}
