// The parts of OpenSSL's libcrypto lambda-shift uses: SHA-256, MD5 and HMAC-SHA256.
#ifndef LAMBDA_SHIFT_COPENSSL_SHIM_H
#define LAMBDA_SHIFT_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#endif
