/* Fork safety: a client whose pool holds a keep-alive connection is used by a parent
 * and its forked child at the same time, as in a pre-fork server. Each must get its own
 * answers: the child starts a fresh pool instead of sharing the parent's socket.
 *
 *   build/test_fork [TRIALS]     (default 200; exits 1 on any swapped or failed answer)
 */
#define _POSIX_C_SOURCE 200809L
#define TCCALL_SANDBOX /* declares the tccall_sandbox_* functions */
#include "tccall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CALLS_PER_SIDE 4

/* Copies the JSON object that follows "key": in `json` (braces matched, strings skipped). */
static char *json_object(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *p = strstr(json, pattern);
    if (p == NULL) return NULL;
    p += strlen(pattern);
    while (*p == ' ') p++;
    int depth = 0, in_string = 0;
    const char *q = p;
    for (; *q; q++) {
        if (in_string) {
            if (*q == '\\') q++;
            else if (*q == '"') in_string = 0;
        } else if (*q == '"') {
            in_string = 1;
        } else if (*q == '{') {
            depth++;
        } else if (*q == '}' && --depth == 0) {
            break;
        }
    }
    size_t n = (size_t)(q - p) + 1;
    char *out = malloc(n + 1);
    memcpy(out, p, n);
    out[n] = '\0';
    return out;
}

/* Creates a call in the sandbox; writes its CallId into `id`. */
static int new_call(tccall_sandbox *sb, char *id, size_t cap) {
    char *out = NULL;
    if (tccall_sandbox_control(sb, "POST", "/_sandbox/calls", "{\"caller\":\"a\",\"callees\":[\"b\"]}", &out, NULL) != TCCALL_OK)
        return -1;
    const char *p = strstr(out, "\"CallId\":\"");
    if (p == NULL) return -1;
    p += strlen("\"CallId\":\"");
    size_t n = strcspn(p, "\"");
    snprintf(id, cap, "%.*s", (int)n, p);
    tccall_string_free(out);
    return 0;
}

/* Reads the call `id` CALLS_PER_SIDE times; returns how many answers were wrong. */
static int read_own(tccall_client *client, const char *id) {
    char request[256], want[256];
    snprintf(request, sizeof request, "{\"CallId\":\"%s\"}", id);
    snprintf(want, sizeof want, "\"CallId\":\"%s\"", id);
    int wrong = 0;
    for (int i = 0; i < CALLS_PER_SIDE; i++) {
        char *out = NULL, *err = NULL;
        int32_t rc = tccall_client_get_call_info(client, request, &out, &err);
        if (rc != TCCALL_OK || strstr(out, want) == NULL) {
            fprintf(stderr, "pid %d: wrong answer for %s: rc %d %s\n", (int)getpid(), id, rc, rc ? err : out);
            wrong++;
        }
        tccall_string_free(out);
        tccall_string_free(err);
    }
    return wrong;
}

int main(int argc, char **argv) {
    int trials = argc > 1 ? atoi(argv[1]) : 200;
    tccall_sandbox *sb = NULL;
    char *info = NULL;
    if (tccall_sandbox_start("{\"enforce_rate_limits\": false}", &sb, NULL) != TCCALL_OK ||
        tccall_sandbox_info(sb, &info, NULL) != TCCALL_OK) {
        fprintf(stderr, "cannot start the sandbox\n");
        return 1;
    }
    char *config = json_object(info, "client_config");
    tccall_string_free(info);
    tccall_client *client = NULL;
    if (config == NULL || tccall_client_new(config, &client, NULL) != TCCALL_OK) {
        fprintf(stderr, "cannot create the client\n");
        return 1;
    }
    free(config);

    int swapped = 0;
    for (int t = 0; t < trials; t++) {
        char mine[128], childs[128];
        if (new_call(sb, mine, sizeof mine) || new_call(sb, childs, sizeof childs)) {
            fprintf(stderr, "cannot create calls\n");
            return 1;
        }
        /* The pool now holds a connection the child inherits. */
        swapped += read_own(client, mine);
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            /* No atexit handlers, no destructors: the sandbox's threads live in the parent. */
            _exit(read_own(client, childs) > 0 ? 1 : 0);
        }
        swapped += read_own(client, mine);
        int status = 0;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) swapped++;
    }
    tccall_client_free(client);
    tccall_sandbox_free(sb);
    printf("fork: %d trials, %d swapped or failed answers\n", trials, swapped);
    return swapped == 0 ? 0 : 1;
}
