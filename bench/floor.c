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
#include "rpc/proto.gen.h"

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
    if (nv_rpc_call_start(c->rpc, REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, &da, &s[0], &e) < 0 ||
        nv_rpc_call_start(c->rpc, REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS, &na, &s[1], &e) < 0 ||
        nv_rpc_call_start(c->rpc, REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS, &pa, &s[2], &e) < 0 ||
        nv_rpc_call_finish(c->rpc, s[0], &dr, &e) < 0)
        return fail(&e);
    if (nv_rpc_call_finish(c->rpc, s[1], &nr, &e) < 0)
        return fail(&e);
    if (nv_rpc_call_finish(c->rpc, s[2], &pr, &e) < 0)
        return fail(&e);

    size_t nd = dr.domains.domains_len, nn = nr.nets.nets_len, np = pr.pools.pools_len;
    uint32_t *xs = calloc(nd + nn + np + 1, sizeof *xs);
    if (!xs)
        return 1;
    size_t k = 0;
    for (size_t i = 0; i < nd; i++) {
        remote_domain_get_xml_desc_args a = {.dom = dr.domains.domains_val[i], .flags = 2 /* INACTIVE */};
        if (nv_rpc_call_start(c->rpc, REMOTE_PROC_DOMAIN_GET_XML_DESC, &a, &xs[k++], &e) < 0)
            return fail(&e);
    }
    for (size_t i = 0; i < nn; i++) {
        remote_network_get_xml_desc_args a = {.net = nr.nets.nets_val[i], .flags = 1 /* INACTIVE */};
        if (nv_rpc_call_start(c->rpc, REMOTE_PROC_NETWORK_GET_XML_DESC, &a, &xs[k++], &e) < 0)
            return fail(&e);
    }
    for (size_t i = 0; i < np; i++) {
        remote_storage_pool_get_xml_desc_args a = {.pool = pr.pools.pools_val[i], .flags = 1 /* INACTIVE */};
        if (nv_rpc_call_start(c->rpc, REMOTE_PROC_STORAGE_POOL_GET_XML_DESC, &a, &xs[k++], &e) < 0)
            return fail(&e);
    }
    size_t bytes = 0;
    for (size_t i = 0; i < k; i++) {
        /* the three get-XML replies share one layout: a single string */
        remote_domain_get_xml_desc_ret r;
        if (nv_rpc_call_finish(c->rpc, xs[i], &r, &e) < 0)
            return fail(&e);
        bytes += strlen(r.xml);
        free(r.xml);
    }
    printf("%zu %zu %zu %zu\n", nd, nn, np, bytes);
    free(xs);
    nv_proto_free_remote_connect_list_all_domains_ret(&dr);
    nv_proto_free_remote_connect_list_all_networks_ret(&nr);
    nv_proto_free_remote_connect_list_all_storage_pools_ret(&pr);
    nv_connect_close(c);
    return 0;
}
