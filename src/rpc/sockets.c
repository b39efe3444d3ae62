/* Which daemon socket a URI means, following libvirt's rules. */
#include "rpc/sockets.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/spawn.h"

int nv_rpc_find_daemon(const char *name, char *out, size_t n)
{
    /* libvirt's override: a directory holding the daemons, used alone. */
    const char *dir = getenv("VIRTD_PATH");
    if (!dir)
        dir = getenv("LIBVIRTD_PATH");
    if (dir && *dir) {
        int w = snprintf(out, n, "%s/%s", dir, name);
        return (w > 0 && (size_t)w < n && nv_spawn_is_exec(out)) ? 0 : -1;
    }
    const char *path = getenv("PATH");
    if (path && nv_spawn_find_in(name, path, out, n) == 0)
        return 0;
    /* Non-root users on Debian-like systems have no sbin in PATH. */
    return nv_spawn_find_in(name, "/usr/sbin:/usr/local/sbin:/sbin", out, n);
}

/* Drivers that have a per-driver daemon virt<driver>d. */
static const char *const modular_drivers[] = {
    "qemu", "lxc",     "xen",     "vbox",     "bhyve",  "vz",        "ch",
    "network", "storage", "nodedev", "nwfilter", "secret", "interface",
};

static int has_modular_daemon(const char *driver)
{
    for (size_t i = 0; i < sizeof modular_drivers / sizeof modular_drivers[0]; i++)
        if (strcmp(driver, modular_drivers[i]) == 0)
            return 1;
    return 0;
}

static int copy_str(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);
    if (len >= n)
        return -1;
    memcpy(dst, src, len + 1);
    return 0;
}

int nv_rpc_session_dir(const char *xdg_runtime_dir, const char *xdg_cache_home,
                       const char *home, char *out, size_t n, nv_err *e)
{
    int w;
    if (xdg_runtime_dir && *xdg_runtime_dir)
        w = snprintf(out, n, "%s/libvirt", xdg_runtime_dir);
    else if (xdg_cache_home && *xdg_cache_home)
        w = snprintf(out, n, "%s/libvirt", xdg_cache_home);
    else if (home && *home)
        w = snprintf(out, n, "%s/.cache/libvirt", home);
    else
        return nv_err_set(e, NV_ERR_INPUT,
                          "cannot find the session daemon's directory: XDG_RUNTIME_DIR, "
                          "XDG_CACHE_HOME and HOME are all unset");
    if (w < 0 || (size_t)w >= n)
        return nv_err_set(e, NV_ERR_INPUT, "session daemon directory path is too long");
    return 0;
}

int nv_rpc_sock_choose(const nv_uri *u, int readonly, const nv_sock_env *env,
                       const nv_sock_probe *probe, nv_sock_choice *out, nv_err *e)
{
    memset(out, 0, sizeof *out);
    if (u->transport != NV_URI_UNIX && u->transport != NV_URI_SSH)
        return nv_err_set(e, NV_ERR_INPUT, "the %s transport does not use a unix socket",
                          nv_rpc_uri_transport_name(u->transport));
    int is_unix = u->transport == NV_URI_UNIX;
    out->session = nv_rpc_uri_is_session(u, env->euid);

    if (u->socket) {
        if (copy_str(out->path, sizeof out->path, u->socket) < 0)
            return nv_err_set(e, NV_ERR_INPUT, "socket= path is too long");
        out->mode = NV_URI_MODE_AUTO;
        copy_str(out->hint, sizeof out->hint, "the libvirt daemon for it");
        return 0; /* as in libvirt: no autostart for an explicit socket */
    }
    if (out->session && !env->session_dir)
        return nv_err_set(e, NV_ERR_INPUT,
                          "cannot find the session daemon's socket: XDG_RUNTIME_DIR, "
                          "XDG_CACHE_HOME and HOME are all unset (or give socket=)");
    out->autostart = out->session && is_unix && !u->host && env->autostart;

    /* libvirt names remote system sockets under /var/run for hosts without /run. */
    const char *base = out->session ? env->session_dir
                       : is_unix    ? "/run/libvirt"
                                    : "/var/run/libvirt";
    const char *suffix = (!out->session && readonly) ? "sock-ro" : "sock";
    char direct[32] = "";
    char direct_path[NV_SOCK_PATH_MAX] = "", legacy_path[NV_SOCK_PATH_MAX];
    if (has_modular_daemon(u->driver)) {
        snprintf(direct, sizeof direct, "virt%sd", u->driver);
        int w = snprintf(direct_path, sizeof direct_path, "%s/%s-%s", base, direct, suffix);
        if (w < 0 || (size_t)w >= sizeof direct_path)
            return nv_err_set(e, NV_ERR_INPUT, "socket path under %s is too long", base);
    }
    int w = snprintf(legacy_path, sizeof legacy_path, "%s/libvirt-%s", base, suffix);
    if (w < 0 || (size_t)w >= sizeof legacy_path)
        return nv_err_set(e, NV_ERR_INPUT, "socket path under %s is too long", base);

    enum nv_uri_mode mode = u->mode;
    int guessed = 0; /* no socket was there to tell us */
    if (mode == NV_URI_MODE_AUTO) {
        if (!is_unix)
            mode = NV_URI_MODE_LEGACY; /* virt-ssh-helper probes on the remote side */
        else if (direct[0] && probe->exists(probe->ctx, direct_path))
            mode = NV_URI_MODE_DIRECT;
        else if (probe->exists(probe->ctx, legacy_path))
            mode = NV_URI_MODE_LEGACY;
        else {
            guessed = 1;
            mode = (direct[0] && probe->daemon_installed(probe->ctx, direct))
                       ? NV_URI_MODE_DIRECT
                       : NV_URI_MODE_LEGACY;
        }
    }
    if (mode == NV_URI_MODE_DIRECT) {
        if (!is_unix)
            return nv_err_set(e, NV_ERR_INPUT,
                              "URI '%s': mode=direct cannot be used with the %s transport "
                              "(give socket= for the remote socket instead)",
                              u->text, nv_rpc_uri_transport_name(u->transport));
        if (!direct[0])
            return nv_err_set(e, NV_ERR_INPUT,
                              "URI '%s': mode=direct, but driver '%s' has no per-driver "
                              "daemon (use mode=legacy)", u->text, u->driver);
        memcpy(out->path, direct_path, sizeof out->path);
        copy_str(out->daemon, sizeof out->daemon, direct);
    } else {
        memcpy(out->path, legacy_path, sizeof out->path);
        copy_str(out->daemon, sizeof out->daemon, "libvirtd");
    }
    out->mode = mode;
    if (guessed && direct[0])
        snprintf(out->hint, sizeof out->hint, "libvirtd/%s", direct);
    else
        copy_str(out->hint, sizeof out->hint, out->daemon);
    return 0;
}

static int probe_exists(void *ctx, const char *path)
{
    (void)ctx;
    return access(path, F_OK) == 0;
}

static int probe_daemon(void *ctx, const char *name)
{
    (void)ctx;
    char buf[PATH_MAX];
    return nv_rpc_find_daemon(name, buf, sizeof buf) == 0;
}

const nv_sock_probe nv_rpc_sock_probe_real = {probe_exists, probe_daemon, NULL};
