#ifndef CRESOLV_SHIM_H
#define CRESOLV_SHIM_H
// glibc's resolver (libresolv), for TXT and MX lookups aimed at a chosen name server.
// res_ninit and friends are macros and struct __res_state clashes with a function of the same
// name in Swift, so the few calls the resolver needs are wrapped here.
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>

/// Queries the records of `type` (ns_t_txt, ns_t_mx) of `name`, from `server` (IPv4 text) and `port`
/// when `server` is not NULL.
/// Returns the answer's length, or -1 with *h_error set (HOST_NOT_FOUND, NO_DATA, TRY_AGAIN, ...),
/// or -2 when the resolver cannot be initialised or `server` is not an IPv4 address.
static inline int cresolv_query(const char *name, int type, const char *server, int port,
                                unsigned char *answer, int answer_length, int *h_error) {
    struct __res_state state;
    memset(&state, 0, sizeof state);
    if (res_ninit(&state) != 0) return -2;
    if (server != NULL) {
        struct sockaddr_in address;
        memset(&address, 0, sizeof address);
        address.sin_family = AF_INET;
        address.sin_port = htons((unsigned short)port);
        if (inet_pton(AF_INET, server, &address.sin_addr) != 1) { res_nclose(&state); return -2; }
        state.nscount = 1;
        state.nsaddr_list[0] = address;
    }
    state.retrans = 2;
    state.retry = 2;
    int length = res_nquery(&state, name, ns_c_in, type, answer, answer_length);
    *h_error = state.res_h_errno;
    res_nclose(&state);
    return length;
}

/// Copies the text of the `index`th TXT answer record (its character-strings joined) into `out`.
/// Returns the text's length, -1 when there is no such answer record, -2 when the answer is malformed,
/// and 0 for an answer record that is not TXT.
static inline int cresolv_txt_answer(const unsigned char *answer, int length, int index, char *out, int out_length) {
    ns_msg message;
    if (ns_initparse(answer, length, &message) != 0) return -2;
    if (index >= ns_msg_count(message, ns_s_an)) return -1;
    ns_rr record;
    if (ns_parserr(&message, ns_s_an, index, &record) != 0) return -2;
    if (ns_rr_type(record) != ns_t_txt) return 0;
    const unsigned char *data = ns_rr_rdata(record);
    int data_length = ns_rr_rdlen(record);
    int written = 0;
    for (int offset = 0; offset < data_length;) {
        int size = data[offset];
        int start = offset + 1;
        int end = start + size <= data_length ? start + size : data_length;
        for (int i = start; i < end && written < out_length; i++) out[written++] = (char)data[i];
        offset = end;
    }
    return written;
}

/// Copies the exchange host name of the `index`th MX answer record into `out` (NUL-terminated) and
/// its preference into *preference. Returns the name's length, -1 when there is no such answer
/// record, -2 when the answer is malformed, and 0 for an answer record that is not MX.
static inline int cresolv_mx_answer(const unsigned char *answer, int length, int index, char *out, int out_length,
                                    int *preference) {
    ns_msg message;
    if (ns_initparse(answer, length, &message) != 0) return -2;
    if (index >= ns_msg_count(message, ns_s_an)) return -1;
    ns_rr record;
    if (ns_parserr(&message, ns_s_an, index, &record) != 0) return -2;
    if (ns_rr_type(record) != ns_t_mx) return 0;
    if (ns_rr_rdlen(record) < 3) return -2;
    const unsigned char *data = ns_rr_rdata(record);
    *preference = (data[0] << 8) | data[1];
    int written = dn_expand(ns_msg_base(message), ns_msg_end(message), data + 2, out, out_length);
    if (written < 0) return -2;
    return (int)strlen(out);
}
#endif
