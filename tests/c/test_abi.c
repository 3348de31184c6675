/* Links libtccall and exercises the C ABI: versions, UserSig generation and
 * verification, client creation, a request-validation failure, every free path,
 * and a loop of many calls so leaks show under valgrind / ASan.
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
    " \"im_endpoint\": \"http://127.0.0.1:9\"}";

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
    test_many_calls(client, loops);
    tccall_client_free(client);
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures == 0 ? 0 : 1;
}
