#include "rpc/keepalive.h"

#include <string.h>

#include "rpc/message.h"

void nv_rpc_keepalive_init(nv_rpc_keepalive *k)
{
    memset(k, 0, sizeof *k);
}

void nv_rpc_keepalive_start(nv_rpc_keepalive *k, int interval_ms, unsigned count, long long now)
{
    k->interval_ms = interval_ms > 0 ? interval_ms : 0;
    k->count = count;
    k->unanswered = 0;
    k->next = now + k->interval_ms;
}

int nv_rpc_keepalive_on(const nv_rpc_keepalive *k)
{
    return k->interval_ms > 0;
}

void nv_rpc_keepalive_received(nv_rpc_keepalive *k, long long now)
{
    if (!k->interval_ms)
        return;
    k->unanswered = 0;
    k->next = now + k->interval_ms;
}

enum nv_keepalive_due nv_rpc_keepalive_check(nv_rpc_keepalive *k, long long now)
{
    if (!k->interval_ms || now < k->next)
        return NV_KEEPALIVE_WAIT;
    if (k->unanswered >= k->count)
        return NV_KEEPALIVE_DEAD;
    k->unanswered++;
    k->next = now + k->interval_ms;
    return NV_KEEPALIVE_SEND_PING;
}

long long nv_rpc_keepalive_deadline(const nv_rpc_keepalive *k)
{
    return k->interval_ms ? k->next : -1;
}

long long nv_rpc_keepalive_grace_ms(const nv_rpc_keepalive *k)
{
    return (long long)k->interval_ms * ((long long)k->count + 1);
}

int nv_rpc_keepalive_packet(nv_buf *out, int proc)
{
    virNetMessageHeader h = {
        .prog = NV_KEEPALIVE_PROGRAM, .vers = NV_KEEPALIVE_VERSION, .proc = proc,
        .type = VIR_NET_MESSAGE, .serial = 0, .status = VIR_NET_OK,
    };
    nv_buf one;
    nv_buf_init(&one, 64);
    int rc = -1;
    nv_err ignored;
    if (nv_rpc_msg_begin(&one, &h) == 0 && nv_rpc_msg_finish(&one, &ignored) == 0)
        rc = nv_buf_append(out, one.data, one.len);
    nv_buf_free(&one);
    return rc;
}

int nv_rpc_keepalive_is(uint32_t prog, uint32_t vers, int32_t type)
{
    return prog == NV_KEEPALIVE_PROGRAM && vers == NV_KEEPALIVE_VERSION && type == VIR_NET_MESSAGE;
}
