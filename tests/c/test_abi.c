/* Links libtccall and exercises the C ABI: versions, UserSig generation and
 * verification, client creation, a request-validation failure, every free path,
 * the log callback, stats and credential updates, and a loop of many (logged) calls so
 * leaks show under valgrind / ASan.
 * Built as C99 and as C++ with -Wall -Wextra -Werror; the header is included twice
 * to check its include guard. */
#include "tccall.h"
#include "tccall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                        \
    do {                                                                   \
        checks++;                                                          \
        if (!(cond)) {                                                     \
            failures++;                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                  \
    } while (0)

static const char *CONFIG =
    "{\"sdk_app_id\": 1400000000,"
    " \"secret_key\": \"5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e\","
    " \"im_endpoint\": \"http://127.0.0.1:9\","
    " \"usersig_compression\": \"python\"}"; /* tokens byte-identical to the official vectors */

static void test_versions(void) {
    CHECK(tccall_abi_version() == TCCALL_ABI_VERSION);
    CHECK(strcmp(tccall_version(), TCCALL_VERSION) == 0);
    CHECK(strstr(tccall_strerror(TCCALL_E_NOT_FOUND), "exist") != NULL);
    CHECK(strcmp(tccall_strerror(-77), "unknown result code") == 0);
}

static void test_client_new_errors(void) {
    tccall_client *client = NULL;
    char *err = NULL;
    CHECK(tccall_client_new("{\"sdk_app_id\": \"x\"}", &client, &err) == TCCALL_E_INVALID_CONFIG);
    CHECK(client == NULL);
    CHECK(err != NULL && strstr(err, "sdk_app_id must be an integer") != NULL);
    tccall_string_free(err);
    CHECK(tccall_client_new(NULL, &client, NULL) == TCCALL_E_NULL_ARGUMENT);
    CHECK(tccall_client_new("{", &client, NULL) == TCCALL_E_INVALID_JSON);
    tccall_client_free(NULL);
    tccall_string_free(NULL);
}

static void test_usersig_and_validation(tccall_client *client) {
    char *out = NULL, *err = NULL;
    int32_t rc = tccall_client_gen_usersig(client, "{\"user_id\": \"xiaojun\", \"time\": 1700000000}", &out, &err);
    CHECK(rc == TCCALL_OK);
    CHECK(err == NULL);
    /* The official library's demo token (byte-identical output). */
    CHECK(out != NULL && strstr(out, "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIk") != NULL);
    CHECK(out != NULL && strstr(out, "\"expire_at\":1715552000") != NULL);
    tccall_string_free(out);

    out = NULL;
    rc = tccall_client_end_call(client, "{\"CallId\": 42}", &out, &err);
    CHECK(rc == TCCALL_E_INVALID_REQUEST);
    CHECK(out == NULL);
    CHECK(err != NULL && strstr(err, "CallId must be a string") != NULL);
    tccall_string_free(err);

    err = NULL;
    rc = tccall_client_dismiss_room(client, "{\"RoomId\": 1234}", &out, &err);
    CHECK(rc == TCCALL_E_INVALID_CONFIG);
    CHECK(err != NULL && strstr(err, "cloud_api.secret_id is required for dismiss_room") != NULL);
    tccall_string_free(err);

    /* NULL out pointers are allowed. */
    CHECK(tccall_client_end_call(client, "{}", NULL, NULL) == TCCALL_E_INVALID_REQUEST);
    CHECK(tccall_client_end_call(NULL, "{}", NULL, NULL) == TCCALL_E_NULL_ARGUMENT);
}

static void test_webhook(tccall_client *client) {
    const char *body = "{\"CallbackCommand\":\"Call.CallbackAfterEndCall\",\"CallRecord\":{\"CallId\":\"c1\"}}";
    char *out = NULL, *err = NULL;
    int32_t rc = tccall_client_parse_webhook(client, "SdkAppid=1400000000&CallbackCommand=Call.CallbackAfterEndCall",
                                             (const uint8_t *)body, strlen(body), &out, &err);
    CHECK(rc == TCCALL_OK);
    CHECK(out != NULL && strstr(out, "\"reply\"") != NULL);
    tccall_string_free(out);
    rc = tccall_client_parse_webhook(client, "SdkAppid=1", (const uint8_t *)body, strlen(body), NULL, &err);
    CHECK(rc == TCCALL_E_WEBHOOK_APP_MISMATCH);
    tccall_string_free(err);
}

/* What the log callback saw. */
struct log_sink {
    int events;
    int by_level[5];
    int calls, failed_attempts, retries, minted, updated;
    int leaks; /* events holding a secret or a signature */
    int bad;   /* events that are not what the callback's level says */
};

static const char *SECRET = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

static void collect(void *userdata, int32_t level, const char *event_json) {
    struct log_sink *s = (struct log_sink *)userdata;
    static const char *names[5] = {"", "\"level\":\"error\"", "\"level\":\"warn\"", "\"level\":\"info\"",
                                   "\"level\":\"debug\""};
    s->events++;
    if (level < 1 || level > 4 || event_json == NULL || strstr(event_json, names[level]) == NULL ||
        strncmp(event_json, "{", 1) != 0 || strstr(event_json, "\"ts_ms\":") == NULL) {
        s->bad++;
        return;
    }
    s->by_level[level]++;
    if (strstr(event_json, "\"event\":\"call\"") != NULL) s->calls++;
    if (strstr(event_json, "\"event\":\"attempt_failed\"") != NULL) s->failed_attempts++;
    if (strstr(event_json, "\"decision\":\"retry\"") != NULL) s->retries++;
    if (strstr(event_json, "\"event\":\"admin_usersig_minted\"") != NULL) s->minted++;
    if (strstr(event_json, "\"event\":\"credentials_updated\"") != NULL) s->updated++;
    if (strstr(event_json, SECRET) != NULL || strstr(event_json, "other-secret-key") != NULL ||
        strstr(event_json, "usersig=") != NULL || strstr(event_json, "eJyr") != NULL || strstr(event_json, "eAEB") != NULL ||
        strstr(event_json, "Authorization") != NULL || strstr(event_json, "TC3-HMAC") != NULL) {
        s->leaks++;
    }
}

/* Nothing listens on the endpoint: every network call fails to connect (after one retry). */
static const char *UNREACHABLE =
    "{\"sdk_app_id\": 1400000000,"
    " \"secret_key\": \"5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e\","
    " \"im_endpoint\": \"http://127.0.0.1:9\","
    " \"retry\": {\"max_attempts\": 2, \"base_delay_ms\": 1, \"max_delay_ms\": 2}}";

static void test_log_callback(void) {
    tccall_client *client = NULL;
    char *out = NULL, *err = NULL;
    struct log_sink sink;
    memset(&sink, 0, sizeof sink);
    CHECK(tccall_client_new(UNREACHABLE, &client, NULL) == TCCALL_OK);
    if (client == NULL) return;
    CHECK(tccall_client_set_log_callback(NULL, TCCALL_LOG_DEBUG, collect, &sink) == TCCALL_E_NULL_ARGUMENT);
    CHECK(tccall_client_set_log_callback(client, 5, collect, &sink) == TCCALL_E_INVALID_REQUEST);
    CHECK(tccall_client_set_log_callback(client, -1, collect, &sink) == TCCALL_E_INVALID_REQUEST);

    /* Debug: a failed network call logs each attempt, the retry decision, the mint and the call. */
    CHECK(tccall_client_set_log_callback(client, TCCALL_LOG_DEBUG, collect, &sink) == TCCALL_OK);
    CHECK(tccall_client_get_call_info(client, "{\"CallId\": \"c1\"}", &out, &err) == TCCALL_E_CONNECT);
    CHECK(out == NULL && err != NULL && strstr(err, "\"attempts\":2") != NULL);
    tccall_string_free(err);
    err = NULL;
    CHECK(sink.failed_attempts == 2 && sink.retries == 1 && sink.minted == 1 && sink.calls == 1);
    CHECK(sink.by_level[TCCALL_LOG_ERROR] == 1 && sink.by_level[TCCALL_LOG_WARN] == 1);
    CHECK(sink.by_level[TCCALL_LOG_DEBUG] == 2); /* the final attempt_failed and the mint */
    /* A local call succeeds at info; an invalid request fails at warn. */
    CHECK(tccall_client_gen_usersig(client, "{\"user_id\": \"u\"}", &out, NULL) == TCCALL_OK);
    tccall_string_free(out);
    out = NULL;
    CHECK(tccall_client_end_call(client, "{\"CallId\": 42}", NULL, NULL) == TCCALL_E_INVALID_REQUEST);
    CHECK(sink.calls == 3 && sink.by_level[TCCALL_LOG_INFO] == 1 && sink.by_level[TCCALL_LOG_WARN] == 2);

    /* Info: no debug event is delivered. */
    CHECK(tccall_client_set_log_callback(client, TCCALL_LOG_INFO, collect, &sink) == TCCALL_OK);
    int debug = sink.by_level[TCCALL_LOG_DEBUG];
    CHECK(tccall_client_get_call_info(client, "{\"CallId\": \"c1\"}", NULL, NULL) == TCCALL_E_CONNECT);
    CHECK(sink.by_level[TCCALL_LOG_DEBUG] == debug && sink.calls == 4 && sink.retries == 2);

    /* Off: level 0, or a NULL callback. */
    int seen = sink.events;
    CHECK(tccall_client_set_log_callback(client, 0, collect, &sink) == TCCALL_OK);
    CHECK(tccall_client_gen_usersig(client, "{\"user_id\": \"u\"}", NULL, NULL) == TCCALL_OK);
    CHECK(tccall_client_set_log_callback(client, TCCALL_LOG_DEBUG, NULL, &sink) == TCCALL_OK);
    CHECK(tccall_client_get_call_info(client, "{\"CallId\": \"c1\"}", NULL, NULL) == TCCALL_E_CONNECT);
    CHECK(sink.events == seen);
    CHECK(sink.leaks == 0 && sink.bad == 0);

    /* Stats: what the calls above did. */
    CHECK(tccall_client_stats(NULL, &out) == TCCALL_E_NULL_ARGUMENT);
    CHECK(tccall_client_stats(client, NULL) == TCCALL_OK);
    CHECK(tccall_client_stats(client, &out) == TCCALL_OK);
    CHECK(out != NULL && strstr(out, "\"get_call_info\":{\"calls\":3,\"ok\":0,\"errors\":{\"202\":3},\"retries\":3") != NULL);
    CHECK(out != NULL && strstr(out, "\"gen_usersig\":{\"calls\":2,\"ok\":2") != NULL);
    CHECK(out != NULL && strstr(out, "\"end_call\":{\"calls\":1,\"ok\":0,\"errors\":{\"104\":1}") != NULL);
    CHECK(out != NULL && strstr(out, "\"latency_ms\":{\"p50\":") != NULL && strstr(out, "\"connections\":{") != NULL);
    CHECK(out != NULL && strstr(out, "\"admin_usersig_mints\":1") != NULL && strstr(out, "dismiss_room") == NULL);
    tccall_string_free(out);
    out = NULL;
    tccall_client_free(client);
}

static void test_update_credentials(tccall_client *client) {
    char *out = NULL, *err = NULL;
    const char *sig = "{\"user_id\": \"xiaojun\", \"time\": 1700000000}";
    char before[1024] = "";
    struct log_sink sink;
    memset(&sink, 0, sizeof sink);
    CHECK(tccall_client_set_log_callback(client, TCCALL_LOG_INFO, collect, &sink) == TCCALL_OK);

    CHECK(tccall_client_update_credentials(NULL, "{\"secret_key\": \"k\"}", &err) == TCCALL_E_NULL_ARGUMENT);
    tccall_string_free(err);
    err = NULL;
    CHECK(tccall_client_update_credentials(client, NULL, NULL) == TCCALL_E_NULL_ARGUMENT);
    CHECK(tccall_client_update_credentials(client, "{", &err) == TCCALL_E_INVALID_JSON);
    CHECK(err != NULL && strstr(err, "\"code\":103") != NULL && strstr(err, "not valid JSON") != NULL);
    tccall_string_free(err);
    err = NULL;
    CHECK(tccall_client_update_credentials(client, "{}", &err) == TCCALL_E_INVALID_CONFIG);
    CHECK(err != NULL && strstr(err, "secret_key, cloud_api or both") != NULL);
    tccall_string_free(err);
    err = NULL;
    CHECK(tccall_client_update_credentials(client, "{\"cloud_api\": {\"secret_id\": \"AKID2\"}}", NULL) ==
          TCCALL_E_INVALID_CONFIG);

    /* A new key signs the next UserSig; the old one back signs as before. */
    CHECK(tccall_client_gen_usersig(client, sig, &out, NULL) == TCCALL_OK);
    if (out != NULL && strlen(out) < sizeof before) strcpy(before, out);
    tccall_string_free(out);
    out = NULL;
    CHECK(before[0] != '\0');
    CHECK(tccall_client_update_credentials(client, "{\"secret_key\": \"other-secret-key\"}", &err) == TCCALL_OK);
    CHECK(err == NULL);
    CHECK(tccall_client_gen_usersig(client, sig, &out, NULL) == TCCALL_OK);
    CHECK(out != NULL && strcmp(out, before) != 0);
    tccall_string_free(out);
    out = NULL;
    CHECK(tccall_client_update_credentials(
              client, "{\"secret_key\": \"5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e\"}",
              NULL) == TCCALL_OK);
    CHECK(tccall_client_gen_usersig(client, sig, &out, NULL) == TCCALL_OK);
    CHECK(out != NULL && strcmp(out, before) == 0);
    tccall_string_free(out);
    CHECK(sink.updated == 2 && sink.leaks == 0 && sink.bad == 0);
    CHECK(tccall_client_set_log_callback(client, 0, NULL, NULL) == TCCALL_OK);
}

static void test_many_calls(tccall_client *client, int n) {
    for (int i = 0; i < n; i++) {
        char *out = NULL, *err = NULL;
        int32_t rc = tccall_client_gen_usersig(client, "{\"user_id\": \"loop\"}", &out, &err);
        CHECK(rc == TCCALL_OK);
        tccall_string_free(out);
        rc = tccall_client_get_call_info(client, "{\"CallId\": \"\"}", &out, &err);
        CHECK(rc == TCCALL_E_INVALID_REQUEST);
        tccall_string_free(err);
    }
}

int main(int argc, char **argv) {
    int loops = argc > 1 ? atoi(argv[1]) : 1000;
    test_versions();
    test_client_new_errors();
    tccall_client *client = NULL;
    char *err = NULL;
    CHECK(tccall_client_new(CONFIG, &client, &err) == TCCALL_OK);
    CHECK(client != NULL && err == NULL);
    if (client == NULL) {
        fprintf(stderr, "cannot create client: %s\n", err ? err : "?");
        return 1;
    }
    test_usersig_and_validation(client);
    test_webhook(client);
    test_log_callback();
    test_update_credentials(client);
    /* The loop logs every call, so event strings show up under valgrind / ASan too. */
    struct log_sink sink;
    memset(&sink, 0, sizeof sink);
    CHECK(tccall_client_set_log_callback(client, TCCALL_LOG_DEBUG, collect, &sink) == TCCALL_OK);
    test_many_calls(client, loops);
    CHECK(sink.calls == 2 * loops && sink.leaks == 0 && sink.bad == 0);
    tccall_client_free(client);
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures == 0 ? 0 : 1;
}
