// libcurl, loaded when the first request is made rather than when the process starts: its
// dependencies (GnuTLS, Kerberos, LDAP, p11-kit…) cost several milliseconds to map and
// initialise, which `--version`, `--help`, `package` and `iam-policy` never need. Each ls_curl_*
// function calls the libcurl function of the same name; libcurl's variadic calls get typed
// wrappers, which Swift can call.
#ifndef LAMBDA_SHIFT_CCURL_H
#define LAMBDA_SHIFT_CCURL_H
#include <curl/curl.h>

typedef size_t (*ls_curl_data_callback)(char *buffer, size_t size, size_t count, void *context);
typedef int (*ls_curl_xferinfo_callback)(void *context, curl_off_t dltotal, curl_off_t dlnow,
                                         curl_off_t ultotal, curl_off_t ulnow);
typedef int (*ls_curl_seek_callback)(void *context, curl_off_t offset, int origin);

/// Loads libcurl.so.4 and runs curl_global_init once. NULL when ready; otherwise why not.
const char *ls_curl_load(void);

CURL *ls_curl_easy_init(void);
void ls_curl_easy_cleanup(CURL *h);
void ls_curl_easy_reset(CURL *h);
CURLcode ls_curl_easy_perform(CURL *h);
const char *ls_curl_easy_strerror(CURLcode code);
struct curl_slist *ls_curl_slist_append(struct curl_slist *list, const char *text);
void ls_curl_slist_free_all(struct curl_slist *list);

CURLcode ls_curl_setopt_long(CURL *h, CURLoption o, long v);
CURLcode ls_curl_setopt_offset(CURL *h, CURLoption o, curl_off_t v);
CURLcode ls_curl_setopt_string(CURL *h, CURLoption o, const char *v);
CURLcode ls_curl_setopt_pointer(CURL *h, CURLoption o, void *v);
CURLcode ls_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v);
CURLcode ls_curl_setopt_data_callback(CURL *h, CURLoption o, ls_curl_data_callback v);
CURLcode ls_curl_setopt_xferinfo_callback(CURL *h, ls_curl_xferinfo_callback v);
CURLcode ls_curl_setopt_seek_callback(CURL *h, ls_curl_seek_callback v);
CURLcode ls_curl_getinfo_long(CURL *h, CURLINFO i, long *v);
#endif
