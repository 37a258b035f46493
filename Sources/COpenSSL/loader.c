#include "copenssl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static struct {
    EVP_MD_CTX *(*md_ctx_new)(void);
    void (*md_ctx_free)(EVP_MD_CTX *);
    int (*md_ctx_copy_ex)(EVP_MD_CTX *, const EVP_MD_CTX *);
    const EVP_MD *(*sha256)(void);
    const EVP_MD *(*md5)(void);
    int (*digest_init_ex)(EVP_MD_CTX *, const EVP_MD *, ENGINE *);
    int (*digest_update)(EVP_MD_CTX *, const void *, size_t);
    int (*digest_final_ex)(EVP_MD_CTX *, unsigned char *, unsigned int *);
    unsigned char *(*hmac)(const EVP_MD *, const void *, int, const unsigned char *, size_t, unsigned char *,
                           unsigned int *);
    int (*rand_bytes)(unsigned char *, int);
} crypto;

static pthread_once_t once = PTHREAD_ONCE_INIT;

// Without libcrypto nothing can be signed or hashed: say so in one sentence and stop (exit 2,
// the code for a machine that is not set up), before any request is made.
static void unavailable(const char *why) {
    fprintf(stderr,
            "lambda-shift: OpenSSL's libcrypto 3 could not be loaded (%s): install it (Debian and Ubuntu: "
            "apt-get install libssl3).\n",
            why);
    exit(2);
}

static void load(void) {
    void *library = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
    if (!library) unavailable(dlerror());
#define LS_SYMBOL(field, name)                                                                    \
    *(void **)(&crypto.field) = dlsym(library, name);                                             \
    if (!crypto.field) unavailable("libcrypto.so.3 has no " name);
    LS_SYMBOL(md_ctx_new, "EVP_MD_CTX_new")
    LS_SYMBOL(md_ctx_free, "EVP_MD_CTX_free")
    LS_SYMBOL(md_ctx_copy_ex, "EVP_MD_CTX_copy_ex")
    LS_SYMBOL(sha256, "EVP_sha256")
    LS_SYMBOL(md5, "EVP_md5")
    LS_SYMBOL(digest_init_ex, "EVP_DigestInit_ex")
    LS_SYMBOL(digest_update, "EVP_DigestUpdate")
    LS_SYMBOL(digest_final_ex, "EVP_DigestFinal_ex")
    LS_SYMBOL(hmac, "HMAC")
    LS_SYMBOL(rand_bytes, "RAND_bytes")
#undef LS_SYMBOL
}

static inline void ready(void) { pthread_once(&once, load); }

EVP_MD_CTX *ls_EVP_MD_CTX_new(void) { ready(); return crypto.md_ctx_new(); }
void ls_EVP_MD_CTX_free(EVP_MD_CTX *context) { ready(); crypto.md_ctx_free(context); }
int ls_EVP_MD_CTX_copy_ex(EVP_MD_CTX *out, const EVP_MD_CTX *in) { ready(); return crypto.md_ctx_copy_ex(out, in); }
const EVP_MD *ls_EVP_sha256(void) { ready(); return crypto.sha256(); }
const EVP_MD *ls_EVP_md5(void) { ready(); return crypto.md5(); }
int ls_EVP_DigestInit_ex(EVP_MD_CTX *context, const EVP_MD *type, ENGINE *engine) {
    ready();
    return crypto.digest_init_ex(context, type, engine);
}
int ls_EVP_DigestUpdate(EVP_MD_CTX *context, const void *data, size_t count) {
    return crypto.digest_update(context, data, count);
}
int ls_EVP_DigestFinal_ex(EVP_MD_CTX *context, unsigned char *digest, unsigned int *length) {
    return crypto.digest_final_ex(context, digest, length);
}
unsigned char *ls_HMAC(const EVP_MD *type, const void *key, int keyLength, const unsigned char *data,
                       size_t dataLength, unsigned char *digest, unsigned int *digestLength) {
    ready();
    return crypto.hmac(type, key, keyLength, data, dataLength, digest, digestLength);
}
int ls_RAND_bytes(unsigned char *buffer, int count) { ready(); return crypto.rand_bytes(buffer, count); }
