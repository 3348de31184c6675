/* The tccall story in C against the in-process sandbox: a robot starts a call in numeric
 * TRTC room 9001, its state is read, terminate_call ends it and dismisses its room, its
 * record is read, another TRTC room is dismissed, a Desk session is ended, and a wrong key
 * shows the error JSON.
 *
 *   make example-c
 */
#define TCCALL_SANDBOX /* declares the tccall_sandbox_* functions */
#include "tccall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tccall_client *client;

/* Prints one step's result (or error) and frees it; exits on an unexpected code. */
static char *step(const char *title, int32_t rc, char *out, char *err, int32_t expect) {
    printf("\n== %s -> %s\n%s\n", title, tccall_strerror(rc), rc == TCCALL_OK ? out : err);
    if (rc != expect) {
        fprintf(stderr, "unexpected result %d\n", rc);
        exit(1);
    }
    tccall_string_free(err);
    return out; /* the caller frees it */
}

/* Copies the JSON object that follows "key": (braces matched, strings skipped) into dst. */
static void json_object(const char *json, const char *key, char *dst, size_t cap) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *p = strstr(json, pattern), *q;
    int depth = 0, in_string = 0;
    dst[0] = '\0';
    if (p == NULL) return;
    p += strlen(pattern);
    for (q = p; *q; q++) {
        if (in_string) {
            if (*q == '\\') q++;
            else if (*q == '"') in_string = 0;
        } else if (*q == '"') in_string = 1;
        else if (*q == '{') depth++;
        else if (*q == '}' && --depth == 0) break;
    }
    snprintf(dst, cap, "%.*s", (int)(q - p + 1), p);
}

/* Copies the string value of "key" out of a flat JSON text (enough for this example). */
static void json_str(const char *json, const char *key, char *dst, size_t cap) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *p = strstr(json, pattern);
    dst[0] = '\0';
    if (p == NULL) return;
    p += strlen(pattern);
    size_t n = strcspn(p, "\"");
    if (n >= cap) n = cap - 1;
    memcpy(dst, p, n);
    dst[n] = '\0';
}

int main(void) {
    tccall_sandbox *sandbox = NULL;
    char *out = NULL, *err = NULL;
    if (tccall_sandbox_start("{}", &sandbox, &err) != TCCALL_OK) {
        fprintf(stderr, "sandbox: %s\n", err);
        return 1;
    }
    tccall_sandbox_info(sandbox, &out, NULL);
    /* info holds "https_client_config": a config pointing both APIs at the sandbox over
       HTTPS, trusting its throwaway CA (tls.ca_pem). Real code writes its own config. */
    char config[8192], https_url[128];
    json_object(out, "https_client_config", config, sizeof config);
    json_str(out, "https_base_url", https_url, sizeof https_url);
    printf("sandbox: %s (HTTPS, with its own CA)\n", https_url);
    tccall_string_free(out);

    if (tccall_client_new(config, &client, &err) != TCCALL_OK) {
        fprintf(stderr, "client: %s\n", err);
        return 1;
    }

    out = err = NULL;
    int32_t rc = tccall_client_start_call_by_robot(client,
        "{\"Robot_Account\":\"robot_01\",\"CalleeList_Account\":[\"alice\"],\"Timeout\":30000,"
        "\"CallInfo\":{\"MediaType\":\"Video\",\"RoomId\":\"9001\",\"RoomIdType\":1}}", &out, &err);
    out = step("start_call_by_robot", rc, out, err, TCCALL_OK);
    char call_id[128], request[256];
    json_str(out, "CallId", call_id, sizeof call_id);
    tccall_string_free(out);
    snprintf(request, sizeof request, "{\"CallId\":\"%s\"}", call_id);

    out = err = NULL;
    rc = tccall_client_get_call_info(client, request, &out, &err);
    tccall_string_free(step("get_call_info", rc, out, err, TCCALL_OK));

    /* terminate_call ends the call and dismisses its TRTC room (numeric room 9001, as
       get_call_info reports it: "RoomId":"9001","RoomIdType":1), each step reported. */
    char terminate[256];
    snprintf(terminate, sizeof terminate, "{\"call_id\":\"%s\"}", call_id);
    out = err = NULL;
    rc = tccall_client_terminate_call(client, terminate, &out, &err);
    tccall_string_free(step("terminate_call", rc, out, err, TCCALL_OK));

    out = err = NULL;
    rc = tccall_client_end_call(client, request, &out, &err);
    tccall_string_free(step("end_call again (already ended)", rc, out, err, TCCALL_E_NOT_FOUND));

    out = err = NULL;
    rc = tccall_client_get_call_record(client, request, &out, &err);
    tccall_string_free(step("get_call_record", rc, out, err, TCCALL_OK));

    out = err = NULL;
    rc = tccall_sandbox_control(sandbox, "POST", "/_sandbox/rooms", "{\"room_id\":4242,\"users\":[\"u1\",\"u2\"]}", &out, &err);
    tccall_string_free(step("sandbox: create TRTC room 4242", rc, out, err, TCCALL_OK));
    out = err = NULL;
    rc = tccall_client_dismiss_room(client, "{\"RoomId\":4242}", &out, &err);
    tccall_string_free(step("dismiss_room", rc, out, err, TCCALL_OK));

    out = err = NULL;
    rc = tccall_sandbox_control(sandbox, "POST", "/_sandbox/desk/sessions",
                                "{\"session_id\":\"s-c-1\",\"client_user_id\":\"customer\",\"state\":\"Agent\"}", &out, &err);
    tccall_string_free(step("sandbox: create Desk session", rc, out, err, TCCALL_OK));
    out = err = NULL;
    rc = tccall_client_end_desk_session(client, "{\"SessionId\":\"s-c-1\"}", &out, &err);
    tccall_string_free(step("end_desk_session", rc, out, err, TCCALL_OK));

    /* A wrong secret key: Tencent (here the sandbox) refuses the UserSig. */
    tccall_client *wrong = NULL;
    char bad[sizeof config];
    char *key = strstr(config, "\"secret_key\":\"");
    snprintf(bad, sizeof bad, "%s", config);
    if (key != NULL) memset(bad + (key - config) + strlen("\"secret_key\":\""), '0', 8);
    tccall_client_new(bad, &wrong, NULL);
    out = err = NULL;
    rc = tccall_client_get_callback_config(wrong, "{}", &out, &err);
    step("wrong secret_key: the error JSON", rc, out, err, TCCALL_E_AUTH_REJECTED);

    tccall_client_free(wrong);
    tccall_client_free(client);
    tccall_sandbox_free(sandbox);
    printf("\nC quickstart finished\n");
    return 0;
}
