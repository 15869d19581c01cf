/*
 * test_digest.c - Python-identical JSON text and pyhf's workspace digests
 * (core/json.c), as a library.
 *
 * The expected digests below came from `pyhf digest -a sha256 -a md5 -a
 * sha1 FILE` (pyhf 0.7.6 source in ../.cache/hf-pyhf, Python 3) run on
 * each file; the sha256 of the six real BkgOnly.json files are also those
 * listed in ../shared/reference/README.md.  The JSON texts were made with
 * Python's json.dumps(json.loads(IN), sort_keys=True, ...).  Tests that
 * need ../shared skip when it is absent.
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "oom.h"
#define REF_SHARED "../shared"

/* IN, json.dumps(sort_keys=True, ensure_ascii=False),
 * json.dumps(sort_keys=True, indent=4). */
static const struct {
    const char *in, *compact, *pretty;
} dumps[] = {
    {"{\"b\": 1, \"a\": [1.0, 1e-05, 1e16, 1.5E+3, -0, -0.0, 0.1, 123456789012345678901234567890, 2.5e-320, 1e22, 100, 0.0001, 12345.678e-2]}",
     "{\"a\": [1.0, 1e-05, 1e+16, 1500.0, 0, -0.0, 0.1, 123456789012345678901234567890, 2.5e-320, 1e+22, 100, 0.0001, 123.45678], \"b\": 1}",
     "{\n    \"a\": [\n        1.0,\n        1e-05,\n        1e+16,\n        1500.0,\n        0,\n        -0.0,\n        0.1,\n        123456789012345678901234567890,\n        2.5e-320,\n        1e+22,\n        100,\n        0.0001,\n        123.45678\n    ],\n    \"b\": 1\n}"},
    {"{\"z\\u00e9\": \"caf\\u00e9 \\u2603 \\ud83d\\ude00\", \"\\u00e9\": 1, \"e\": \"tab\\there \\\"q\\\" back\\\\slash \\u0001 \\u007f \\n\\r\\b\\f /\"}",
     "{\"e\": \"tab\\there \\\"q\\\" back\\\\slash \\u0001 \177 \\n\\r\\b\\f /\", \"z\303\251\": \"caf\303\251 \342\230\203 \360\237\230\200\", \"\303\251\": 1}",
     "{\n    \"e\": \"tab\\there \\\"q\\\" back\\\\slash \\u0001 \\u007f \\n\\r\\b\\f /\",\n    \"z\\u00e9\": \"caf\\u00e9 \\u2603 \\ud83d\\ude00\",\n    \"\\u00e9\": 1\n}"},
    {"{\"dup\": 1, \"a\": {}, \"dup\": 2, \"e\": [], \"n\": null, \"t\": true, \"f\": false}",
     "{\"a\": {}, \"dup\": 2, \"e\": [], \"f\": false, \"n\": null, \"t\": true}",
     "{\n    \"a\": {},\n    \"dup\": 2,\n    \"e\": [],\n    \"f\": false,\n    \"n\": null,\n    \"t\": true\n}"},
};

static void test_python_dumps(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof dumps / sizeof dumps[0]; i++) {
        cJSON *root = NULL;
        hf_error err = {0};
        assert_int_equal(hfcore_json_parse(dumps[i].in, "case", &root, &err), HF_OK);
        char *c = hfcore_json_pydump(root, 0, 0, NULL);
        char *p = hfcore_json_pydump(root, 4, 1, NULL);
        assert_string_equal(c, dumps[i].compact);
        assert_string_equal(p, dumps[i].pretty);
        /* Integer marks survive cJSON_Duplicate (patches copy values). */
        cJSON *dup = cJSON_Duplicate(root, 1);
        char *d = hfcore_json_pydump(dup, 0, 0, NULL);
        assert_string_equal(d, dumps[i].compact);
        free(c);
        free(p);
        free(d);
        cJSON_Delete(dup);
        cJSON_Delete(root);
    }
}

/* The example in pyhf.utils.digest's docstring. */
static void test_docstring_digests(void **state)
{
    (void)state;
    cJSON *root = NULL;
    hf_error err = {0};
    assert_int_equal(hfcore_json_parse("{\"c\": 1.0, \"b\": 3.0, \"a\": 2.0}", "doc",
                                   &root, &err), HF_OK);
    char hex[129];
    assert_int_equal(hfcore_json_digest(root, "sha256", hex, sizeof hex, &err), HF_OK);
    assert_string_equal(hex, "a38f6093800189b79bc22ef677baf90c75705af2cfc7ff594159eca54eaa7928");
    assert_int_equal(hfcore_json_digest(root, "md5", hex, sizeof hex, &err), HF_OK);
    assert_string_equal(hex, "2c0633f242928eb55c3672fed5ba8612");
    assert_int_equal(hfcore_json_digest(root, "sha1", hex, sizeof hex, &err), HF_OK);
    assert_string_equal(hex, "49a27f499e763766c9545b294880df277be6f545");
    /* Unknown algorithm, and a buffer too small. */
    assert_int_equal(hfcore_json_digest(root, "sha999", hex, sizeof hex, &err), HF_ERR_ARG);
    assert_non_null(strstr(err.msg, "sha999"));
    assert_int_equal(hfcore_json_digest(root, "sha256", hex, 64, &err), HF_ERR_ARG);
    cJSON_Delete(root);
}

/* From pyhf digest (see the top of the file). */
static const struct {
    const char *path, *md5, *sha256;
} files[] = {
    {REF_SHARED "/workspaces/real/1Lbb_ATLAS-SUSY-2019-08/BkgOnly.json", "6cd3fdcd0673ef2e9029f5bc6a474838",
     "2563672e1a165384faf49f1431e921d88c9c07ec10f150d5045576564f98f820"},
    {REF_SHARED "/workspaces/real/2Ljets_ATLAS-SUSY-2018-05_ewk_DR_High/BkgOnly.json", "acaad938bec6b2f64202d8668915f018",
     "390733adcecb7e802b5949d707d0a2349f2dba729bfd0e27c99106aa696a0294"},
    {REF_SHARED "/workspaces/real/3LRJ_ATLAS-SUSY-2018-06/BkgOnly.json", "d5829e23a1fbf0d9ef99d92280bf0ff0",
     "a20207ad6da9dc3e3e53dc159155a8371d7b44487e03fb4af4c6be20be4ad695"},
    {REF_SHARED "/workspaces/real/DVmuon_ins1788448_SRMET/BkgOnly.json", "e95022c452fc07b0c094321204f13daf",
     "ad98d6f2047a142f481b0efaf1bdd0e83e39b522ebf1406664b0d5cf9908ed18"},
    {REF_SHARED "/workspaces/real/SS3L_ATLAS-SUSY-2018-09_Rpc2L0b/BkgOnly.json", "1ade84282de14f02679a391106d0172a",
     "440752325824a508610abf7629f204282099b27f91822006b398f0b75b3d45d0"},
    {REF_SHARED "/workspaces/real/sbottom_ATLAS-SUSY-2018-31_RegionA/BkgOnly.json", "c62c23c87d1c9b735c75cf0830f0ad84",
     "516fa21b09fd7aecb09116e8906f8259f151aa41b8763eefd9e5548bb7c82a58"},
    {REF_SHARED "/workspaces/real/simplified_1Lbb_ATLAS-SUSY-2019-08/BkgOnly.json", "017f89ce4e20ba33d5f8c4d17f77805e",
     "ab4134e4a2e0ff7598c4251a572949a6e271ac5d7e72a8ac3f1e0343d87059ad"},
    {REF_SHARED "/workspaces/real/simplified_sbottom_ATLAS-SUSY-2018-31_SRA/BkgOnly.json", "487483a55fc2fc712e110a90b0f53b9a",
     "886d4e4833d62e667997af353cb717742fc8fa084b7da21380afdcf6bf6bf875"},
    {REF_SHARED "/workspaces/real/staus_ATLAS-SUSY-2018-04_combined/BkgOnly.json", "17b947cb0887c3d41cfbb3960ed43f11",
     "956aef2f8ba24ff49ac328757e1689c03be73c0ef846744555257eb98e894d10"},
    {REF_SHARED "/workspaces/synthetic/syn_allmods/BkgOnly.json", "c4a9f929d795afc339c3c675f96f76aa",
     "a9122558af11ca04ca34652e581190a566ead98c8b26b580b36af000b1c73d47"},
    {REF_SHARED "/workspaces/synthetic/syn_large/BkgOnly.json", "b3e1a78c79f3ea95f54eb5f8bb0079ee",
     "befd00333ab7bf79be63b04428b1927a9601092bf0ba647f4265e869e85f23ac"},
    {REF_SHARED "/workspaces/synthetic/syn_medium/BkgOnly.json", "07b35522a1a5c10f4df993c2058c0d54",
     "eaa6a88a1018f8c8a7b50cfa904e96a32e0ebd58b18c6d1459a088b2764fb0a7"},
    {REF_SHARED "/workspaces/synthetic/syn_tiny/BkgOnly.json", "f03d0d97ff47c910e758332da3e0ddfe",
     "9f4cfa199168f8a7ed7b35d3030cee88190e8683969038d1fb27c93120fe5a71"},
    {REF_SHARED "/workspaces/synthetic/syn_zeros/BkgOnly.json", "2c1605960bd7dce2410a90a11cc15701",
     "2072e147eaff38d799f07ce62d14978b98184f95e7dd18cf42ebc44972f4b8dd"},
    {"workspaces/demo/BkgOnly.json", "90cde47ce8622a0bc87fb8286d6f683c",
     "4806142d83ab74bd4a6fc16a4abfd45a0e3da734fa538b2dbca0566e404b692d"},
};

static void test_workspace_digests(void **state)
{
    (void)state;
    if (access(REF_SHARED, R_OK) != 0)
        skip();
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        hf_workspace *ws = NULL;
        hf_error err = {0};
        if (access(files[i].path, R_OK) != 0)
            continue;
        if (hf_workspace_read(files[i].path, &ws, &err) != HF_OK)
            fail_msg("%s", err.msg);
        char hex[129];
        assert_int_equal(hf_workspace_digest(ws, NULL, hex, sizeof hex, &err), HF_OK);
        if (strcmp(hex, files[i].sha256) != 0)
            fail_msg("%s: sha256 %s, pyhf %s", files[i].path, hex, files[i].sha256);
        assert_int_equal(hf_workspace_digest(ws, "md5", hex, sizeof hex, &err), HF_OK);
        assert_string_equal(hex, files[i].md5);
        hf_workspace_free(ws);
    }
}

#define PS_DIR REF_SHARED "/workspaces/real/3LRJ_ATLAS-SUSY-2018-06"

static void test_verify_apply(void **state)
{
    (void)state;
    hf_workspace *ws = NULL, *other = NULL, *out = NULL;
    hf_patchset *ps = NULL;
    hf_error err = {0};
    /* The demo is in the repository; it always runs. */
    assert_int_equal(hf_workspace_read("workspaces/demo/BkgOnly.json", &ws, &err), HF_OK);
    assert_int_equal(hf_patchset_read("workspaces/demo/patchset.json", &ps, &err), HF_OK);
    assert_true(hf_patchset_ndigests(ps) >= 1);
    assert_string_equal(hf_patchset_digest_name(ps, 0), "sha256");
    assert_null(hf_patchset_digest_name(ps, 99));
    assert_int_equal(hf_patchset_verify(ps, ws, &err), HF_OK);
    int i = hf_patchset_find(ps, "sig_300");
    assert_true(i >= 0);
    assert_int_equal(hf_workspace_apply(ws, hf_patchset_patch(ps, i), &out, &err), HF_OK);
    /* Applying does not touch the original. */
    char a[129], b[129];
    assert_int_equal(hf_workspace_digest(ws, "sha256", a, sizeof a, &err), HF_OK);
    assert_string_equal(a, "4806142d83ab74bd4a6fc16a4abfd45a0e3da734fa538b2dbca0566e404b692d");
    assert_int_equal(hf_workspace_digest(out, "sha256", b, sizeof b, &err), HF_OK);
    assert_string_not_equal(a, b);
    char *text = hf_workspace_dump(out, 4);
    assert_non_null(text);
    assert_non_null(strstr(text, "\n    \"channels\": [\n"));
    free(text);
    hf_workspace_free(out);

    /* A workspace the patchset was not made for: pyhf's message. */
    const char *mod = "workspaces/demo/BkgOnly.json";
    char *json = NULL;
    assert_int_equal(hfcore_file_read(mod, &json, NULL, &err), HF_OK);
    /* The same yield written 112 instead of 112.0: Python reads an int,
     * so the digest differs. */
    char *q = strstr(json, "112.0");
    assert_non_null(q);
    memcpy(q, "112  ", 5);
    assert_int_equal(hf_workspace_parse(json, "modified", &other, &err), HF_OK);
    free(json);
    assert_int_equal(hf_patchset_verify(ps, other, &err), HF_ERR_INVALID);
    assert_non_null(strstr(err.msg, "The digest verification failed for hash algorithm 'sha256'. Expected: "));
    hf_workspace_free(other);
    hf_patchset_free(ps);
    hf_workspace_free(ws);
}

/* Workspace operations in the library: the digests of their results are
 * checked against pyhf's own output in test_ws_cli.c; here the API. */
static void test_sort_prune(void **state)
{
    (void)state;
    hf_workspace *ws = NULL, *out = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_read("workspaces/demo/BkgOnly.json", &ws, &err), HF_OK);
    assert_int_equal(hf_workspace_sorted(ws, &out, &err), HF_OK);
    char *a = hf_workspace_dump(ws, 0), *b = hf_workspace_dump(out, 0);
    assert_non_null(a);
    assert_non_null(b);
    /* Same members, maybe another order: same length. */
    assert_int_equal(strlen(a), strlen(b));
    free(a);
    free(b);
    hf_workspace_free(out);

    const char *mods[] = {"JES"};
    hf_ws_edit e;
    hf_ws_edit_init(&e);
    e.prune_modifiers = mods;
    e.n_prune_modifiers = 1;
    assert_int_equal(hf_workspace_prune_rename(ws, &e, &out, &err), HF_OK);
    char *t = hf_workspace_dump(out, 0);
    assert_null(strstr(t, "\"JES\""));
    free(t);
    hf_workspace_free(out);

    const char *pairs[] = {"nosuch", "x"};
    hf_ws_edit_init(&e);
    e.rename_samples = pairs;
    e.n_rename_samples = 1;
    assert_int_equal(hf_workspace_prune_rename(ws, &e, &out, &err), HF_ERR_NOTFOUND);
    assert_null(out);
    assert_string_equal(err.msg, "nosuch is not one of the samples in this workspace.");
    hf_workspace_free(ws);
}

/* A locale whose decimal point is ",": an installed one, or one built
 * with localedef into tmp (LOCPATH); NULL when neither works. */
static const char *comma_locale(char *tmp)
{
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8",
                                        "fr_FR.UTF-8", "fr_FR.utf8"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (setlocale(LC_NUMERIC, names[i]))
            return names[i];
    if (!mkdtemp(tmp))
        return NULL;
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 >/dev/null 2>&1", tmp);
    if (system(cmd) != 0)
        return NULL;
    setenv("LOCPATH", tmp, 1);
    return setlocale(LC_NUMERIC, "de_DE.UTF-8") ? "de_DE.UTF-8" : NULL;
}

/* The text (and so the digest) is Python's whatever LC_NUMERIC the
 * application set: a "," decimal point once came out as "1.,5". */
static void test_dump_locale(void **state)
{
    (void)state;
    const char *in = "{\"a\": [1.5, 2.5e-07, 0.001, 12345.678, 1e+22, 7]}";
    const char *want = "{\"a\": [1.5, 2.5e-07, 0.001, 12345.678, 1e+22, 7]}";
    cJSON *root = NULL;
    hf_error err = {0};
    assert_int_equal(hfcore_json_parse(in, "case", &root, &err), HF_OK);
    char hex_c[129], hex_l[129];
    assert_int_equal(hfcore_json_digest(root, "sha256", hex_c, sizeof hex_c, &err), HF_OK);
    char tmp[] = "/tmp/hf_test_locale_XXXXXX";
    const char *loc = comma_locale(tmp);
    if (!loc) {
        cJSON_Delete(root);
        skip();
    }
    char buf[8];
    snprintf(buf, sizeof buf, "%.1f", 1.5);
    char *d = hfcore_json_pydump(root, 0, 0, NULL);
    int rc = hfcore_json_digest(root, "sha256", hex_l, sizeof hex_l, &err);
    setlocale(LC_NUMERIC, "C");
    assert_string_equal(buf, "1,5"); /* the locale is in force */
    assert_string_equal(d, want);
    assert_int_equal(rc, HF_OK);
    assert_string_equal(hex_l, hex_c);
    free(d);
    cJSON_Delete(root);
    if (strcmp(loc, "de_DE.UTF-8") == 0 && getenv("LOCPATH")) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmp);
        unsetenv("LOCPATH");
    }
}

/* hfcore_digest_ready (the CLI opens libgcrypt on its main thread before
 * the worker digests): 1 for hashlib's names only, and a digest after it
 * is the one sha256sum gives for the same text ("{}" is already Python's
 * canonical form). */
static void test_digest_ready(void **state)
{
    (void)state;
    assert_int_equal(hfcore_digest_ready("sha256"), 1);
    assert_int_equal(hfcore_digest_ready("md5"), 1);
    assert_int_equal(hfcore_digest_ready("sha257"), 0);
    assert_int_equal(hfcore_digest_ready(NULL), 0);
    char hex[160];
    hf_error err = {0};
    assert_int_equal(hfcore_json_text_digest("{}", 2, "sha256", hex, sizeof hex, &err),
                     HF_OK);
    assert_string_equal(hex, "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
}

/* prune/rename and combine, with every cJSON allocation failing in turn:
 * each returns HF_OK or HF_ERR_NOMEM and leaves nothing allocated. */
static void test_wsops_oom(void **state)
{
    (void)state;
    hf_workspace *ws = NULL, *out = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_read("workspaces/demo/BkgOnly.json", &ws, &err), HF_OK);
    const char *mods[] = {"JES"}, *pairs[] = {"mu_ttbar", "mu_tt"};
    hf_ws_edit e;
    hf_ws_edit_init(&e);
    e.prune_modifiers = mods;
    e.n_prune_modifiers = 1;
    e.rename_modifiers = pairs;
    e.n_rename_modifiers = 1;
    /* The same measurement with other parameter configs: combine merges
     * them. */
    hf_workspace *other = NULL;
    const char *lumi[] = {"lumi"};
    hf_ws_edit pe;
    hf_ws_edit_init(&pe);
    pe.prune_modifiers = lumi;
    pe.n_prune_modifiers = 1;
    assert_int_equal(hf_workspace_prune_rename(ws, &pe, &other, &err), HF_OK);
    assert_int_equal(hf_workspace_combine(ws, other, "outer", 1, &out, &err), HF_OK);
    hf_workspace_free(out);
    out = NULL;
    cJSON_InitHooks(&oom_hooks);
    int done[2] = {0, 0};
    for (long budget = 0; budget < 200000 && !(done[0] && done[1]); budget++) {
        for (int op = 0; op < 2; op++) {
            if (done[op])
                continue;
            oom_budget = budget;
            oom_live = 0;
            int rc = op == 0 ? hf_workspace_prune_rename(ws, &e, &out, &err)
                             : hf_workspace_combine(ws, other, "outer", 1, &out, &err);
            oom_budget = -1;
            if (rc == HF_OK)
                done[op] = 1;
            hf_workspace_free(out);
            out = NULL;
            if ((rc != HF_OK && rc != HF_ERR_NOMEM) || oom_live != 0) {
                cJSON_InitHooks(NULL);
                print_error("%s, allocation %ld failing: rc %d (%s), %ld cJSON "
                            "allocations left\n", op ? "combine" : "prune_rename",
                            budget, rc, err.msg, oom_live);
                fail();
            }
        }
    }
    cJSON_InitHooks(NULL);
    assert_true(done[0] && done[1]);
    hf_workspace_free(other);
    hf_workspace_free(ws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_python_dumps),
        cmocka_unit_test(test_docstring_digests),
        cmocka_unit_test(test_workspace_digests),
        cmocka_unit_test(test_verify_apply),
        cmocka_unit_test(test_sort_prune),
        cmocka_unit_test(test_dump_locale),
        cmocka_unit_test(test_wsops_oom),
        cmocka_unit_test(test_digest_ready),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
