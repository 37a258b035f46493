// The parts of OpenSSL's libcrypto lambda-shift uses (SHA-256, MD5, HMAC-SHA256, random bytes),
// loaded at the first use rather than at start-up, as libcurl is: `--version` and `--help` map
// neither. Each ls_* function calls the OpenSSL function of the same name.
#ifndef LAMBDA_SHIFT_COPENSSL_H
#define LAMBDA_SHIFT_COPENSSL_H
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

EVP_MD_CTX *ls_EVP_MD_CTX_new(void);
void ls_EVP_MD_CTX_free(EVP_MD_CTX *context);
int ls_EVP_MD_CTX_copy_ex(EVP_MD_CTX *out, const EVP_MD_CTX *in);
const EVP_MD *ls_EVP_sha256(void);
const EVP_MD *ls_EVP_md5(void);
int ls_EVP_DigestInit_ex(EVP_MD_CTX *context, const EVP_MD *type, ENGINE *engine);
int ls_EVP_DigestUpdate(EVP_MD_CTX *context, const void *data, size_t count);
int ls_EVP_DigestFinal_ex(EVP_MD_CTX *context, unsigned char *digest, unsigned int *length);
unsigned char *ls_HMAC(const EVP_MD *type, const void *key, int keyLength, const unsigned char *data,
                       size_t dataLength, unsigned char *digest, unsigned int *digestLength);
int ls_RAND_bytes(unsigned char *buffer, int count);
#endif
