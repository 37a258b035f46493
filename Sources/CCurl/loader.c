#include "ccurl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} curl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[512];
static const char *error = "libcurl was not loaded";

static void load(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(failure, sizeof failure, "%s", dlerror());
        error = failure;
        return;
    }
#define LS_SYMBOL(field, name)                                                                    \
    *(void **)(&curl.field) = dlsym(library, name);                                               \
    if (!curl.field) {                                                                            \
        snprintf(failure, sizeof failure, "libcurl.so.4 has no %s", name);                       \
        error = failure;                                                                          \
        return;                                                                                   \
    }
    LS_SYMBOL(global_init, "curl_global_init")
    LS_SYMBOL(easy_init, "curl_easy_init")
    LS_SYMBOL(easy_cleanup, "curl_easy_cleanup")
    LS_SYMBOL(easy_reset, "curl_easy_reset")
    LS_SYMBOL(easy_perform, "curl_easy_perform")
    LS_SYMBOL(easy_strerror, "curl_easy_strerror")
    LS_SYMBOL(easy_setopt, "curl_easy_setopt")
    LS_SYMBOL(easy_getinfo, "curl_easy_getinfo")
    LS_SYMBOL(slist_append, "curl_slist_append")
    LS_SYMBOL(slist_free_all, "curl_slist_free_all")
#undef LS_SYMBOL
    if (curl.global_init(CURL_GLOBAL_ALL) != CURLE_OK) {
        error = "curl_global_init failed";
        return;
    }
    error = NULL;
}

const char *ls_curl_load(void) {
    pthread_once(&once, load);
    return error;
}

// Every call below is made only on a handle from ls_curl_easy_init, which loads first.
CURL *ls_curl_easy_init(void) { return ls_curl_load() ? NULL : curl.easy_init(); }
void ls_curl_easy_cleanup(CURL *h) { curl.easy_cleanup(h); }
void ls_curl_easy_reset(CURL *h) { curl.easy_reset(h); }
CURLcode ls_curl_easy_perform(CURL *h) { return curl.easy_perform(h); }
const char *ls_curl_easy_strerror(CURLcode code) { return ls_curl_load() ? error : curl.easy_strerror(code); }
struct curl_slist *ls_curl_slist_append(struct curl_slist *list, const char *text) {
    return curl.slist_append(list, text);
}
void ls_curl_slist_free_all(struct curl_slist *list) {
    if (list) curl.slist_free_all(list);
}

CURLcode ls_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl.easy_setopt(h, o, v); }
CURLcode ls_curl_setopt_offset(CURL *h, CURLoption o, curl_off_t v) { return curl.easy_setopt(h, o, v); }
CURLcode ls_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl.easy_setopt(h, o, v); }
CURLcode ls_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl.easy_setopt(h, o, v); }
CURLcode ls_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl.easy_setopt(h, o, v); }
CURLcode ls_curl_setopt_data_callback(CURL *h, CURLoption o, ls_curl_data_callback v) {
    return curl.easy_setopt(h, o, v);
}
CURLcode ls_curl_setopt_xferinfo_callback(CURL *h, ls_curl_xferinfo_callback v) {
    return curl.easy_setopt(h, CURLOPT_XFERINFOFUNCTION, v);
}
CURLcode ls_curl_setopt_seek_callback(CURL *h, ls_curl_seek_callback v) {
    return curl.easy_setopt(h, CURLOPT_SEEKFUNCTION, v);
}
CURLcode ls_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl.easy_getinfo(h, i, v); }
