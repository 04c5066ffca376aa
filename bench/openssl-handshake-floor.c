/*
 * OpenSSL alone: the server side's CPU per full TLS handshake, in memory, with the chat server's TLS settings and
 * none of our code. A cross-check of `securechat-bench tls` (docs/BENCHMARKS.md, "The floor on this machine").
 *
 *   gcc -O2 -o /tmp/openssl-handshake-floor bench/openssl-handshake-floor.c -lssl -lcrypto -lpthread
 *   /tmp/openssl-handshake-floor CERT KEY CA [THREADS [TICKETS [HANDSHAKES [RECORDS]]]]
 *
 * Each thread runs HANDSHAKES full handshakes between a client and a server SSL over memory BIOs; the server also
 * writes one greeting record, answers the client's close_notify and is freed. Only the server's calls are timed,
 * with the thread's CPU clock. With RECORDS, the server of the last handshake then writes that many 100-byte
 * records, each read out of its memory BIO at once: the floor under `securechat-bench tls`'s figure per record.
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CIPHERSUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

static SSL_CTX *server_ctx, *client_ctx;
static int handshakes = 2000, records = 0;

static double thread_cpu(void) {
    struct timespec now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return now.tv_sec + now.tv_nsec / 1e9;
}

static void move_bytes(BIO *from, BIO *to) {
    char buffer[16384];
    int count;
    while ((count = BIO_read(from, buffer, sizeof buffer)) > 0) BIO_write(to, buffer, count);
}

/* SSL_write of one 100-byte line per record, the ciphertext drained after each; returns the server's CPU time. */
static double write_records(SSL *s, BIO *s_out) {
    char line[100], ciphertext[512];
    memset(line, 'x', sizeof line);
    double start = thread_cpu();
    for (int i = 0; i < records; i++) {
        if (SSL_write(s, line, sizeof line) != (int)sizeof line) {
            fprintf(stderr, "record write failed\n");
            exit(1);
        }
        while (BIO_read(s_out, ciphertext, sizeof ciphertext) > 0) {}
    }
    return thread_cpu() - start;
}

static void *run(void *unused) {
    (void)unused;
    static const char greeting[] = "PROMPT Enter username:\r\n";
    double server = 0, start;
    char scratch[512];
    for (int i = 0; i < handshakes; i++) {
        start = thread_cpu();
        SSL *s = SSL_new(server_ctx);
        BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
        SSL_set_bio(s, s_in, s_out);
        SSL_set_accept_state(s);
        server += thread_cpu() - start;

        SSL *c = SSL_new(client_ctx);
        BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
        SSL_set_bio(c, c_in, c_out);
        SSL_set_connect_state(c);
        SSL_set_tlsext_host_name(c, "localhost");
        SSL_set1_host(c, "localhost");

        int server_done = 0, client_done = 0;
        for (int round = 0; round < 10 && !(server_done && client_done); round++) {
            if (!client_done && SSL_do_handshake(c) == 1) client_done = 1;
            move_bytes(c_out, s_in);
            start = thread_cpu();
            if (!server_done && SSL_do_handshake(s) == 1) {
                server_done = 1;
                SSL_write(s, greeting, sizeof greeting - 1);
            }
            server += thread_cpu() - start;
            move_bytes(s_out, c_in);
        }
        if (!server_done || !client_done) {
            fprintf(stderr, "handshake failed\n");
            ERR_print_errors_fp(stderr);
            exit(1);
        }
        SSL_read(c, scratch, sizeof scratch); /* the ticket and the greeting */
        if (records > 0 && i == handshakes - 1) {
            printf("server CPU per 100-byte record: %.2f µs\n", write_records(s, s_out) / records * 1e6);
        }
        SSL_shutdown(c);
        move_bytes(c_out, s_in);
        start = thread_cpu();
        SSL_read(s, scratch, sizeof scratch); /* the close_notify */
        SSL_shutdown(s);
        SSL_free(s);
        server += thread_cpu() - start;
        SSL_free(c);
    }
    printf("server CPU per handshake: %.1f µs\n", server / handshakes * 1e6);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s CERT KEY CA [THREADS [TICKETS [HANDSHAKES [RECORDS]]]]\n", argv[0]);
        return 2;
    }
    int threads = argc > 4 ? atoi(argv[4]) : 1, tickets = argc > 5 ? atoi(argv[5]) : 1;
    if (argc > 6) handshakes = atoi(argv[6]);
    if (argc > 7) records = atoi(argv[7]);
    if (threads < 1 || threads > 64 || handshakes < 1 || records < 0) return 2;

    /* The settings of Sources/SecureChatTLS/TLSContext.swift and TLSContext+Files.swift. */
    server_ctx = SSL_CTX_new(TLS_method());
    SSL_CTX_set_min_proto_version(server_ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(server_ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set1_groups_list(server_ctx, "X25519:P-256:P-384");
    SSL_CTX_set_ciphersuites(server_ctx, CIPHERSUITES);
    SSL_CTX_set_mode(server_ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_session_id_context(server_ctx, (const unsigned char *)"securechat", 10);
    SSL_CTX_set_session_cache_mode(server_ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_set_num_tickets(server_ctx, tickets);
    if (SSL_CTX_use_certificate_chain_file(server_ctx, argv[1]) != 1 ||
        SSL_CTX_use_PrivateKey_file(server_ctx, argv[2], SSL_FILETYPE_PEM) != 1) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    SSL_CTX_build_cert_chain(server_ctx, SSL_BUILD_CHAIN_FLAG_CHECK | SSL_BUILD_CHAIN_FLAG_IGNORE_ERROR);
    SSL_CTX_set_mode(server_ctx, SSL_MODE_NO_AUTO_CHAIN);

    client_ctx = SSL_CTX_new(TLS_method());
    SSL_CTX_set_ciphersuites(client_ctx, CIPHERSUITES); /* as securechat-bench's client: AES-128-GCM first */
    SSL_CTX_load_verify_locations(client_ctx, argv[3], NULL);
    SSL_CTX_set_verify(client_ctx, SSL_VERIFY_PEER, NULL);

    pthread_t thread[64];
    for (int i = 0; i < threads; i++) pthread_create(&thread[i], NULL, run, NULL);
    for (int i = 0; i < threads; i++) pthread_join(thread[i], NULL);
    return 0;
}
