#ifndef SECURECHAT_COPENSSL_SHIM_H
#define SECURECHAT_COPENSSL_SHIM_H

// System OpenSSL 3 for SecureChatTLS and SecureChatSealing (CMS). Only those
// two import this module (`internal import COpenSSL`).
//
// OpenSSL 3 spells many calls as function-like macros (or as macros over
// type-checking inline helpers), which Swift's Clang importer cannot see.
// Each gets a `static inline` wrapper here, prefixed `shim_`, in the way
// groue/GRDB.swift's shim.h wraps SQLite.

#include <stdint.h>

#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

// MARK: - SSL_CTX configuration

static inline int shim_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline int shim_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}

static inline int shim_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_groups_list(ctx, list);
}

static inline long shim_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

static inline long shim_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}

static inline long shim_SSL_set_mode(SSL *ssl, long mode) {
    return SSL_set_mode(ssl, mode);
}

static inline uint64_t shim_SSL_OP_NO_COMPRESSION(void) { return (uint64_t)SSL_OP_NO_COMPRESSION; }
static inline uint64_t shim_SSL_OP_NO_RENEGOTIATION(void) { return (uint64_t)SSL_OP_NO_RENEGOTIATION; }
static inline long shim_SSL_MODE_RELEASE_BUFFERS(void) { return (long)SSL_MODE_RELEASE_BUFFERS; }
static inline long shim_SSL_MODE_NO_AUTO_CHAIN(void) { return (long)SSL_MODE_NO_AUTO_CHAIN; }

/// Whether our certificate came with chain certificates (intermediates) from its file.
static inline int shim_SSL_CTX_has_chain_certs(SSL_CTX *ctx) {
    STACK_OF(X509) *chain = NULL;
    SSL_CTX_get0_chain_certs(ctx, &chain);
    return chain != NULL && sk_X509_num(chain) > 0;
}

/// Builds our chain from the trust store once, keeping whatever part verification finds (as OpenSSL's automatic
/// chaining would on every handshake).
static inline int shim_SSL_CTX_build_cert_chain(SSL_CTX *ctx) {
    return (int)SSL_CTX_build_cert_chain(ctx, SSL_BUILD_CHAIN_FLAG_IGNORE_ERROR | SSL_BUILD_CHAIN_FLAG_CLEAR_ERROR);
}

// MARK: - SSL per-connection

static inline int shim_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

static inline int shim_SSL_get_ex_new_index(void) {
    return SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

// MARK: - BIOs

static inline void shim_BIO_set_retry_read(BIO *bio) {
    BIO_set_retry_read(bio);
}

static inline void shim_BIO_clear_retry_flags(BIO *bio) {
    BIO_clear_retry_flags(bio);
}

// MARK: - Memory and stacks

static inline void shim_OPENSSL_free(void *pointer) {
    OPENSSL_free(pointer);
}

static inline int shim_sk_X509_num(const STACK_OF(X509) *chain) {
    return sk_X509_num(chain);
}

static inline int shim_sk_X509_REVOKED_num(const STACK_OF(X509_REVOKED) *revoked) {
    return sk_X509_REVOKED_num(revoked);
}

static inline X509 *shim_sk_X509_value(const STACK_OF(X509) *chain, int index) {
    return sk_X509_value(chain, index);
}

static inline int shim_sk_GENERAL_NAME_num(const GENERAL_NAMES *names) {
    return sk_GENERAL_NAME_num(names);
}

static inline GENERAL_NAME *shim_sk_GENERAL_NAME_value(const GENERAL_NAMES *names, int index) {
    return sk_GENERAL_NAME_value(names, index);
}

static inline void shim_GENERAL_NAMES_free(GENERAL_NAMES *names) {
    GENERAL_NAMES_free(names);
}

// X509_OBJECT stacks, to walk the CRLs loaded into a context's certificate store.
static inline int shim_sk_X509_OBJECT_num(const STACK_OF(X509_OBJECT) *objects) {
    return sk_X509_OBJECT_num(objects);
}

static inline X509_OBJECT *shim_sk_X509_OBJECT_value(const STACK_OF(X509_OBJECT) *objects, int index) {
    return sk_X509_OBJECT_value(objects, index);
}

static inline void shim_sk_X509_free(STACK_OF(X509) *stack) {
    sk_X509_free(stack);
}

#endif
