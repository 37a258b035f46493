// Typed wrappers around libcurl's variadic calls, which Swift cannot call directly.
#ifndef LAMBDA_SHIFT_CCURL_SHIM_H
#define LAMBDA_SHIFT_CCURL_SHIM_H
#include <curl/curl.h>

typedef size_t (*ls_curl_data_callback)(char *buffer, size_t size, size_t count, void *context);
typedef int (*ls_curl_xferinfo_callback)(void *context, curl_off_t dltotal, curl_off_t dlnow,
                                         curl_off_t ultotal, curl_off_t ulnow);
typedef curlioerr (*ls_curl_ioctl_callback)(CURL *handle, int cmd, void *context);
typedef int (*ls_curl_seek_callback)(void *context, curl_off_t offset, int origin);

static inline CURLcode ls_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ls_curl_setopt_offset(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ls_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ls_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ls_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ls_curl_setopt_data_callback(CURL *h, CURLoption o, ls_curl_data_callback v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ls_curl_setopt_xferinfo_callback(CURL *h, ls_curl_xferinfo_callback v) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, v); }
static inline CURLcode ls_curl_setopt_seek_callback(CURL *h, ls_curl_seek_callback v) { return curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, v); }
static inline CURLcode ls_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
#endif
