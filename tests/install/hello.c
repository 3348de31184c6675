/* A program using an installed tccall (README, "Install: C"): mints a UserSig locally. */
#include <stdio.h>
#include <tccall.h>

int main(void) {
    tccall_client *client = NULL;
    char *out = NULL, *err = NULL;
    if (tccall_abi_version() != TCCALL_ABI_VERSION) {
        fprintf(stderr, "libtccall ABI %u, header %d\n", tccall_abi_version(), TCCALL_ABI_VERSION);
        return 1;
    }
    if (tccall_client_new("{\"sdk_app_id\": 1400000001, \"secret_key\": \"my-secret-key\"}", &client, &err) != TCCALL_OK ||
        tccall_client_gen_usersig(client, "{\"user_id\": \"alice\"}", &out, &err) != TCCALL_OK) {
        fprintf(stderr, "tccall: %s\n", err);
        tccall_string_free(err);
        tccall_client_free(client);
        return 1;
    }
    printf("tccall %s: %s\n", tccall_version(), out);
    tccall_string_free(out);
    tccall_client_free(client);
    return 0;
}
