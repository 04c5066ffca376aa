/*
 * The public-key operations a TLS 1.3 server does per full handshake (X25519 key generation and key agreement,
 * an ECDSA P-256 signature over SHA-256), each timed alone through OpenSSL 3's EVP API with the thread's CPU clock.
 * Their sum is the floor under `securechat-bench tls` and `bench/openssl-handshake-floor.c` before any TLS work
 * (docs/BENCHMARKS.md, "The floor on this machine").
 *
 *   gcc -O2 -o /tmp/openssl-handshake-crypto bench/openssl-handshake-crypto.c -lcrypto
 *   /tmp/openssl-handshake-crypto [ROUNDS]
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double thread_cpu(void) {
    struct timespec now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return now.tv_sec + now.tv_nsec / 1e9;
}

static void fail(const char *what) {
    fprintf(stderr, "%s failed\n", what);
    exit(1);
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 3000;
    if (rounds < 1) return 2;
    EVP_PKEY *peer = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    EVP_PKEY *ours = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    EVP_PKEY *signer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (peer == NULL || ours == NULL || signer == NULL) fail("key generation");

    double start = thread_cpu();
    for (int i = 0; i < rounds; i++) {
        EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
        if (key == NULL) fail("X25519 key generation");
        EVP_PKEY_free(key);
    }
    double keygen = (thread_cpu() - start) / rounds * 1e6;

    unsigned char secret[64];
    start = thread_cpu();
    for (int i = 0; i < rounds; i++) {
        EVP_PKEY_CTX *context = EVP_PKEY_CTX_new(ours, NULL);
        size_t length = sizeof secret;
        if (context == NULL || EVP_PKEY_derive_init(context) != 1 || EVP_PKEY_derive_set_peer(context, peer) != 1 ||
            EVP_PKEY_derive(context, secret, &length) != 1)
            fail("X25519 key agreement");
        EVP_PKEY_CTX_free(context);
    }
    double derive = (thread_cpu() - start) / rounds * 1e6;

    unsigned char transcript[32] = {0}, signature[80];
    start = thread_cpu();
    for (int i = 0; i < rounds; i++) {
        EVP_MD_CTX *context = EVP_MD_CTX_new();
        size_t length = sizeof signature;
        if (context == NULL || EVP_DigestSignInit(context, NULL, EVP_sha256(), NULL, signer) != 1 ||
            EVP_DigestSign(context, signature, &length, transcript, sizeof transcript) != 1)
            fail("ECDSA signature");
        EVP_MD_CTX_free(context);
    }
    double sign = (thread_cpu() - start) / rounds * 1e6;

    printf("X25519 key generation   %7.1f µs\n", keygen);
    printf("X25519 key agreement    %7.1f µs\n", derive);
    printf("ECDSA P-256 signature   %7.1f µs\n", sign);
    printf("sum per full handshake  %7.1f µs\n", keygen + derive + sign);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(ours);
    EVP_PKEY_free(signer);
    return 0;
}
