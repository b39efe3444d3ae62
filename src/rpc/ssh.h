/* Building the ssh command: the argument vector and the shell command run
 * on the remote host (virt-ssh-helper or nc), as libvirt's client does. */
#ifndef NV_RPC_SSH_H
#define NV_RPC_SSH_H

#include "rpc/uri.h"
#include "util/buf.h"
#include "util/error.h"

#define NV_ARGV_MAX 24
typedef struct nv_argv {
    int argc;
    char *argv[NV_ARGV_MAX + 1]; /* malloc'd strings, NULL-terminated */
} nv_argv;
void nv_rpc_argv_free(nv_argv *a);

/* The proxy libvirt uses on the remote host: proxy= if given; else netcat
 * when socket= is given, native for a session URI, auto otherwise. auto
 * becomes netcat when netcat= is given. */
enum nv_uri_proxy nv_rpc_ssh_proxy(const nv_uri *u, int session);

/* The shell command ssh runs remotely (one string, for a POSIX sh):
 *  native: sh -c 'virt-ssh-helper [-r] NAME'
 *  netcat: sh -c '... NC [-q0] -U SOCK' (-q0 when this nc needs it to exit
 *          at end of input)
 *  auto:   virt-ssh-helper when installed there, else the netcat form.
 * netcat defaults to "nc". native with netcat= is an error, as in libvirt.
 * sock may be NULL for native. */
int nv_rpc_ssh_remote_command(enum nv_uri_proxy proxy, const char *netcat, const char *sock,
                              const char *name, int readonly, nv_buf *out, nv_err *e);

/* The ssh argument vector libvirt's client uses:
 *   ssh [-p PORT] [-l USER] [-i KEYFILE] -T -e none [-o BatchMode=yes]
 *       [-o StrictHostKeyChecking=no] -- HOST REMOTE-COMMAND
 * (command= replaces "ssh"; BatchMode for no_tty=1, StrictHostKeyChecking=no
 * for no_verify=1; HOST defaults to localhost). remote_sock is the socket on
 * the remote host (needed unless the proxy is native), name the connect-open
 * name. */
int nv_rpc_ssh_argv(const nv_uri *u, int session, const char *remote_sock, const char *name,
                    int readonly, nv_argv *out, nv_err *e);

#endif
