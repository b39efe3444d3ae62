/* Framing of libvirt's RPC packets.
 *
 * A packet is a 4-byte big-endian length (which counts itself), the 24-byte
 * header (virNetMessageHeader: prog, vers, proc, type, serial, status) and
 * an XDR body: a procedure's args struct in a CALL, its ret struct in a
 * REPLY with status VIR_NET_OK, a remote_error when the status is
 * VIR_NET_ERROR. Packets are at least 28 and at most 32 MiB long; the
 * length word is checked against both before anything is allocated. */
#ifndef NV_RPC_MESSAGE_H
#define NV_RPC_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "rpc/proto.gen.h"
#include "util/buf.h"
#include "util/error.h"
#include "xdr/xdr.h"

/* Smallest and largest packet, length word included. */
#define NV_RPC_MSG_MIN (VIR_NET_MESSAGE_LEN_MAX + VIR_NET_MESSAGE_HEADER_MAX)
#define NV_RPC_MSG_MAX VIR_NET_MESSAGE_MAX

/* ---- writing ------------------------------------------------------------ */

/* Empties out and starts a packet: a placeholder length word and h. The
 * caller then appends the body (nv_proto_enc_*). 0 or -1. */
int nv_rpc_msg_begin(nv_buf *out, const virNetMessageHeader *h);

/* Writes the length word. Fails (NV_ERR_PROTOCOL) when out->failed is set
 * (a value broke its XDR maximum, a non-null string was NULL, out of memory)
 * or the packet exceeds NV_RPC_MSG_MAX. */
int nv_rpc_msg_finish(nv_buf *out, nv_err *e);

/* A whole CALL packet: header (type VIR_NET_CALL, status VIR_NET_OK), then
 * enc(out, args) unless enc is NULL (an empty body). Errors name the
 * procedure (REMOTE_PROC_... when it is in proto/remote.x, else its number). */
int nv_rpc_msg_encode_call(nv_buf *out, uint32_t prog, uint32_t vers, int32_t proc,
                           uint32_t serial, int (*enc)(nv_buf *, const void *),
                           const void *args, nv_err *e);
/* The same appended after what out holds (calls queued to go out
 * together); on failure out holds what it held. */
int nv_rpc_msg_append_call(nv_buf *out, uint32_t prog, uint32_t vers, int32_t proc,
                           uint32_t serial, int (*enc)(nv_buf *, const void *),
                           const void *args, nv_err *e);

/* ---- reading packets from a file descriptor ------------------------------ */

/* Collects packets from a byte stream. A read takes whatever is there, up
 * to NV_RPC_READ_CHUNK bytes (a burst of replies comes in few reads); whole
 * packets are handed out one at a time, the bytes after them kept for the
 * next call. A packet larger than the chunk is read into its own buffer. */
#define NV_RPC_READ_CHUNK ((size_t)64 * 1024)

typedef struct nv_rpc_reader {
    uint8_t *buf;   /* bytes read and not handed out: buf[off..end) */
    size_t off, end;
    uint8_t *pkt;   /* a large packet being read directly: total bytes, have so far */
    size_t have, total;
} nv_rpc_reader;

void nv_rpc_reader_init(nv_rpc_reader *r);
/* Drops what was read and not handed out. */
void nv_rpc_reader_free(nv_rpc_reader *r);
/* 1 while bytes have been read that were not handed out. */
int nv_rpc_reader_busy(const nv_rpc_reader *r);

/* A whole packet already read, without reading: 1 with it in *pkt / *len
 * (malloc'd; the caller frees it), 0 when none is complete, -1 for a length
 * word out of bounds (as below). */
int nv_rpc_reader_next(nv_rpc_reader *r, uint8_t **pkt, size_t *len, nv_err *e);

/* The next packet: one already read (nv_rpc_reader_next), else after one
 * read(2) on fd (which should be readable; a blocking fd may block).
 * Returns 1 with a complete packet in *pkt / *len (malloc'd; the caller
 * frees it), 0 when more bytes are needed (also after EINTR or EAGAIN), -1
 * on error: end of file ("the daemon closed the connection", NV_ERR_CONNECT),
 * a length word below NV_RPC_MSG_MIN or above NV_RPC_MSG_MAX
 * (NV_ERR_PROTOCOL), a read error (NV_ERR_SYSTEM). After an error the stream
 * is out of step: stop using it. A read may bring several packets: call
 * nv_rpc_reader_next until it returns 0 before waiting on fd again. */
int nv_rpc_reader_read(nv_rpc_reader *r, int fd, uint8_t **pkt, size_t *len, nv_err *e);

/* Reads one whole packet and not a byte more (what follows stays in fd),
 * waiting at most timeout_ms for each chunk of bytes (a negative timeout
 * waits forever). Errors as above, plus "timed out ..." (NV_ERR_CONNECT). */
int nv_rpc_read_packet(int fd, int timeout_ms, uint8_t **pkt, size_t *len, nv_err *e);

/* ---- decoding ----------------------------------------------------------- */

typedef struct nv_rpc_msg {
    virNetMessageHeader hdr;
    const uint8_t *body;  /* points into the packet */
    size_t body_len;
} nv_rpc_msg;

/* Checks the length word against len and the limits, and decodes the header.
 * Unknown types and statuses are returned as they are. NV_ERR_PROTOCOL. */
int nv_rpc_msg_decode(const uint8_t *pkt, size_t len, nv_rpc_msg *m, nv_err *e);

/* Decodes a body into out with dec (a generated nv_proto_dec_* through a
 * void pointer) and requires every byte to be used; free_fn releases out
 * when trailing bytes are found. With dec NULL the body must be empty.
 * NV_ERR_PROTOCOL "cannot decode the reply: <reason>". */
int nv_rpc_body_decode(const uint8_t *body, size_t len, int (*dec)(nv_xdr_dec *, void *),
                       void (*free_fn)(void *), void *out, nv_err *e);

/* ---- errors from the daemon --------------------------------------------- */

/* The body of a VIR_NET_ERROR reply (libvirt's virError, without the unused
 * dom and net fields). Strings are malloc'd, NULL when absent. */
typedef struct nv_rpc_error {
    int code;    /* virErrorNumber, e.g. 42 VIR_ERR_NO_DOMAIN */
    int domain;  /* virErrorDomain */
    char *message;
    int level;   /* virErrorLevel */
    char *str1, *str2, *str3;
    int int1, int2;
} nv_rpc_error;

/* Decodes a remote_error body. As libvirt's client does, an RPC error whose
 * message starts with "unknown procedure" (a daemon too old for the call)
 * becomes code 3, VIR_ERR_NO_SUPPORT. NV_ERR_PROTOCOL. */
int nv_rpc_error_decode(const uint8_t *body, size_t len, nv_rpc_error *out, nv_err *e);
void nv_rpc_error_free(nv_rpc_error *er);

/* What virsh prints after "error: ": the daemon's message, which already
 * starts with its category ("Domain not found: ..."), or "Unknown error"
 * when the daemon sent none, on one line ("; " between its lines) and with
 * control characters escaped (nv_escape_ctrl: ESC as \x1b, CR as \r). Truncates to n - 1 bytes; returns buf. */
const char *nv_rpc_error_format(const nv_rpc_error *er, char *buf, size_t n);

/* Fills e with kind NV_ERR_LIBVIRT, code er->code and the formatted text;
 * returns -1. */
int nv_rpc_error_to_err(const nv_rpc_error *er, nv_err *e);

#endif
