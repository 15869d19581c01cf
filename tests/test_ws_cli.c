/*
 * test_ws_cli.c - `hf digest` and `hf patchset verify|inspect|extract|apply`
 * run as commands ($HF_BIN, set by `make check`), against pyhf's output.
 *
 * Expected texts and digests came from pyhf 0.7.6's own command line
 * (`pyhf digest ...`, `pyhf patchset ...` run on the same files): digests
 * of the workspaces, and the sha256 of the bytes pyhf wrote for extract
 * and apply, so hf's output is checked byte for byte.  Runs from the
 * repository root (workspaces/demo); tests on ../shared skip when it is
 * absent; everything skips when HF_BIN is not set.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "internal.h"
#include "run.h"

#define DEMO_WS RUN_DEMO_WS
#define DEMO_PS "workspaces/demo/patchset.json"
#define SHARED RUN_SHARED
#define REAL SHARED "/workspaces/real/"
#define LBB REAL "1Lbb_ATLAS-SUSY-2019-08/"
#define SLBB REAL "simplified_1Lbb_ATLAS-SUSY-2019-08/"

static void assert_ok(const result *r, const char *want_out)
{
    if (r->status != 0 || (want_out && strcmp(r->out, want_out) != 0))
        fprintf(stderr, "status %d\nstdout: %.2000s\nstderr: %s\n", r->status,
                r->out, r->err);
    assert_int_equal(r->status, 0);
    if (want_out)
        assert_string_equal(r->out, want_out);
}

static void sha256_hex(const char *s, size_t n, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    assert_true(EVP_Digest(s, n, md, &len, EVP_sha256(), NULL));
    assert_int_equal(len, 32);
    for (unsigned i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static void assert_sha256(const char *s, size_t n, const char *want)
{
    char hex[65];
    sha256_hex(s, n, hex);
    if (strcmp(hex, want) != 0)
        fprintf(stderr, "sha256 of %zu bytes: %s, pyhf's output: %s\n", n, hex,
                want);
    assert_string_equal(hex, want);
}

static char *tmp_path(const char *name)
{
    char *p = malloc(512);
    assert_non_null(p);
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

static char *read_all(const char *path, size_t *n)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    char *s = slurp_fd(fd, n);
    close(fd);
    return s;
}

/* ---------------------------------------------------------------- digest */

static void test_digest_demo(void **state)
{
    NEED_BIN();
    result r = run("digest", DEMO_WS, NULL);
    assert_ok(&r, "sha256:4806142d83ab74bd4a6fc16a4abfd45a0e3da734fa538b2dbca0566e404b692d\n");
    result_free(&r);
    /* -j, several algorithms (a repeat counts once), JSON sorted. */
    r = run("digest", "-j", "-a", "sha1", "-a", "md5", "-a", "sha1", DEMO_WS, NULL);
    assert_ok(&r, "{\n"
                  "    \"md5\": \"90cde47ce8622a0bc87fb8286d6f683c\",\n"
                  "    \"sha1\": \"6d87a9c5bbcd44d4e6aa2b14dd0c72c9c3e85667\"\n"
                  "}\n");
    result_free(&r);
    /* Plain text keeps the order given; stdin is the default input. */
    r = run_in(DEMO_WS, "digest", "--algorithm", "md5", "-a", "sha256", NULL);
    assert_ok(&r, "md5:90cde47ce8622a0bc87fb8286d6f683c\n"
                  "sha256:4806142d83ab74bd4a6fc16a4abfd45a0e3da734fa538b2dbca0566e404b692d\n");
    result_free(&r);
    run_fails(2, "sha999 is not an algorithm", "digest", "-a", "sha999", DEMO_WS, NULL);
    run_fails(1, "no/such/file.json", "digest", "no/such/file.json", NULL);
}

/* pyhf digest on every shared BkgOnly.json (the six first also listed in
 * ../shared/reference/README.md). */
static const struct {
    const char *path, *sha256;
} shared_digests[] = {
    {REAL "1Lbb_ATLAS-SUSY-2019-08/BkgOnly.json", "2563672e1a165384faf49f1431e921d88c9c07ec10f150d5045576564f98f820"},
    {REAL "2Ljets_ATLAS-SUSY-2018-05_ewk_DR_High/BkgOnly.json", "390733adcecb7e802b5949d707d0a2349f2dba729bfd0e27c99106aa696a0294"},
    {REAL "3LRJ_ATLAS-SUSY-2018-06/BkgOnly.json", "a20207ad6da9dc3e3e53dc159155a8371d7b44487e03fb4af4c6be20be4ad695"},
    {REAL "DVmuon_ins1788448_SRMET/BkgOnly.json", "ad98d6f2047a142f481b0efaf1bdd0e83e39b522ebf1406664b0d5cf9908ed18"},
    {REAL "SS3L_ATLAS-SUSY-2018-09_Rpc2L0b/BkgOnly.json", "440752325824a508610abf7629f204282099b27f91822006b398f0b75b3d45d0"},
    {REAL "sbottom_ATLAS-SUSY-2018-31_RegionA/BkgOnly.json", "516fa21b09fd7aecb09116e8906f8259f151aa41b8763eefd9e5548bb7c82a58"},
    {REAL "simplified_1Lbb_ATLAS-SUSY-2019-08/BkgOnly.json", "ab4134e4a2e0ff7598c4251a572949a6e271ac5d7e72a8ac3f1e0343d87059ad"},
    {REAL "simplified_sbottom_ATLAS-SUSY-2018-31_SRA/BkgOnly.json", "886d4e4833d62e667997af353cb717742fc8fa084b7da21380afdcf6bf6bf875"},
    {REAL "staus_ATLAS-SUSY-2018-04_combined/BkgOnly.json", "956aef2f8ba24ff49ac328757e1689c03be73c0ef846744555257eb98e894d10"},
    {SHARED "/workspaces/synthetic/syn_allmods/BkgOnly.json", "a9122558af11ca04ca34652e581190a566ead98c8b26b580b36af000b1c73d47"},
    {SHARED "/workspaces/synthetic/syn_large/BkgOnly.json", "befd00333ab7bf79be63b04428b1927a9601092bf0ba647f4265e869e85f23ac"},
    {SHARED "/workspaces/synthetic/syn_medium/BkgOnly.json", "eaa6a88a1018f8c8a7b50cfa904e96a32e0ebd58b18c6d1459a088b2764fb0a7"},
    {SHARED "/workspaces/synthetic/syn_tiny/BkgOnly.json", "9f4cfa199168f8a7ed7b35d3030cee88190e8683969038d1fb27c93120fe5a71"},
    {SHARED "/workspaces/synthetic/syn_zeros/BkgOnly.json", "2072e147eaff38d799f07ce62d14978b98184f95e7dd18cf42ebc44972f4b8dd"},
};

static void test_digest_shared(void **state)
{
    NEED_SHARED();
    for (size_t i = 0; i < sizeof shared_digests / sizeof shared_digests[0]; i++) {
        if (access(shared_digests[i].path, R_OK) != 0)
            continue;
        result r = run("digest", shared_digests[i].path, NULL);
        char want[128];
        snprintf(want, sizeof want, "sha256:%s\n", shared_digests[i].sha256);
        if (strcmp(r.out, want) != 0)
            fprintf(stderr, "%s\n", shared_digests[i].path);
        assert_ok(&r, want);
        result_free(&r);
    }
}

/* -------------------------------------------------------------- patchset */

static void test_patchset_demo(void **state)
{
    NEED_BIN();
    result r = run("patchset", "verify", DEMO_WS, DEMO_PS, NULL);
    assert_ok(&r, "All good.\n");
    result_free(&r);

    r = run("patchset", "inspect", DEMO_PS, NULL);
    assert_ok(&r, "\n    3 patches found in Patchset\n"
                  "---------------------------------\n\n"
                  "sig_300\nsig_400\nsig_500\n");
    result_free(&r);

    /* Byte for byte what pyhf patchset extract/apply wrote. */
    r = run("patchset", "extract", DEMO_PS, "--name", "sig_300", NULL);
    assert_ok(&r, NULL);
    assert_sha256(r.out, r.outlen, "0fd50f99df32105d5d725bf06cfa706dc7f0dfa35fc8fd1533eee9af1b1c836f");
    result_free(&r);
    r = run("patchset", "extract", "--with-metadata", DEMO_PS, "--name", "sig_300", NULL);
    assert_ok(&r, NULL);
    assert_sha256(r.out, r.outlen, "0544722292cb1a1a17849de1104bcc46fdc3b9cebe40ff816ace029c96f614de");
    result_free(&r);

    char *out = tmp_path("applied.json");
    r = run("patchset", "apply", DEMO_WS, DEMO_PS, "--name", "sig_400",
            "--output-file", out, NULL);
    assert_ok(&r, "");
    result_free(&r);
    size_t n;
    char *text = read_all(out, &n);
    /* json.dump to a file: no final newline. */
    assert_sha256(text, n, "7e632caccc3f0cddda60f5ced21cd4cce057c22180abe02201001e7f1c0ac3be");
    free(text);
    /* The patched workspace is a workspace hf reads, and it differs. */
    r = run("digest", out, NULL);
    assert_ok(&r, NULL);
    assert_null(strstr(r.out, "4806142d83ab74bd4a6fc16a4abfd45a0e3da734"));
    result_free(&r);
    unlink(out);
    free(out);
}

static void test_patchset_failures(void **state)
{
    NEED_BIN();
    char *out = tmp_path("never.json");
    result r = run("patchset", "apply", DEMO_WS, DEMO_PS, "--name", "nosuch",
                   "--output-file", out, NULL);
    assert_failed_cleanly(&r, 1, "No patch associated with \"nosuch\" is defined in patchset.");
    assert_int_equal(access(out, F_OK), -1);
    result_free(&r);
    run_fails(1, "No patch associated with \"None\"", "patchset", "extract", DEMO_PS, NULL);
    run_fails(2, "unknown patchset command", "patchset", "frobnicate", DEMO_PS, NULL);
    run_fails(2, "takes no --name", "patchset", "inspect", DEMO_PS, "--name", "x", NULL);
    r = run("patchset", "verify", DEMO_PS, DEMO_WS, NULL);
    assert_int_not_equal(r.status, 0);
    assert_string_equal(r.out, "");
    result_free(&r);

    /* A modified workspace: one yield written 112 instead of 112.0 is an
     * int to Python, so a different digest. */
    size_t n;
    char *json = read_all(DEMO_WS, &n);
    char *q = strstr(json, "112.0");
    assert_non_null(q);
    memcpy(q, "112  ", 5);
    char *mod = tmp_path("modified.json");
    FILE *f = fopen(mod, "w");
    assert_non_null(f);
    fputs(json, f);
    fclose(f);
    free(json);
    run_fails(1, "The digest verification failed for hash "
              "algorithm 'sha256'. Expected: 4806142d83ab74bd4a6fc16a4abfd45a0e3da734fa538b2dbca0566e404b692d. Got: ",
              "patchset", "verify", mod, DEMO_PS, NULL);
    r = run("patchset", "apply", mod, DEMO_PS, "--name", "sig_300", "--output-file", out, NULL);
    assert_failed_cleanly(&r, 1, "The digest verification failed");
    assert_int_equal(access(out, F_OK), -1);
    result_free(&r);
    unlink(mod);
    free(mod);
    free(out);
}

/* The real 1Lbb pair (a 57 MB patchset), and pyhf's verdict on the
 * simplified 1Lbb patchset, whose digest is the full workspace's. */
static void test_patchset_real(void **state)
{
    NEED_SHARED();
    if (access(LBB "patchset.json", R_OK) != 0)
        skip();
    result r = run("patchset", "verify", LBB "BkgOnly.json", LBB "patchset.json", NULL);
    assert_ok(&r, "All good.\n");
    result_free(&r);
    /* pyhf patchset apply ... --name C1N2_Wh_hbb_1000_0 on stdout. */
    r = run("patchset", "apply", LBB "BkgOnly.json", LBB "patchset.json",
            "--name", "C1N2_Wh_hbb_1000_0", NULL);
    assert_ok(&r, NULL);
    assert_sha256(r.out, r.outlen, "6c0224d597452ca4af2ece874aa9d2308296966031c2a278db8a7100018603a2");
    result_free(&r);
    if (access(SLBB "patchset.json", R_OK) != 0)
        return;
    run_fails(1, "The digest verification failed for hash "
              "algorithm 'sha256'. Expected: 2563672e1a165384faf49f1431e921d88c9c07ec10f150d5045576564f98f820. "
              "Got: ab4134e4a2e0ff7598c4251a572949a6e271ac5d7e72a8ac3f1e0343d87059ad",
              "patchset", "verify", SLBB "BkgOnly.json", SLBB "patchset.json", NULL);
}

/* ------------------------------------------------------------------ sort */

/* sha256 of what `pyhf sort FILE` printed. */
static const struct {
    const char *path, *sha256;
} sorted_outputs[] = {
    {DEMO_WS, "45fcd214c7d406b031142402e28585d5a8a757540b282dfa2ae4456ed4b41848"},
    {REAL "1Lbb_ATLAS-SUSY-2019-08/BkgOnly.json", "f7fa605b852cc7e575e3bafa60c35750e1754e96de7560d0dda7f5853cd1a9e3"},
    {REAL "sbottom_ATLAS-SUSY-2018-31_RegionA/BkgOnly.json", "755f1d6c4e962dd0c9cb0d5b2674f9351b9c3307e40fa7b31020f8254937659b"},
    {REAL "staus_ATLAS-SUSY-2018-04_combined/BkgOnly.json", "865682232851844d5aabf4fca32f784b81eee74d884d331b185016cd86741686"},
    {SHARED "/workspaces/synthetic/syn_allmods/BkgOnly.json", "4da5ba564d0923a3db20cc713f602dbd6f31908b4010eedd51f51eb42ffd782f"},
};

static void test_sort(void **state)
{
    NEED_BIN();
    for (size_t i = 0; i < sizeof sorted_outputs / sizeof sorted_outputs[0]; i++) {
        if (access(sorted_outputs[i].path, R_OK) != 0)
            continue;
        result r = run("sort", sorted_outputs[i].path, NULL);
        assert_ok(&r, NULL);
        assert_sha256(r.out, r.outlen, sorted_outputs[i].sha256);
        result_free(&r);
    }
    /* --output-file: the same text without the final newline; stdin. */
    char *out = tmp_path("sorted.json");
    result r = run_in(DEMO_WS, "sort", "--output-file", out, NULL);
    assert_ok(&r, "");
    result_free(&r);
    size_t n;
    char *text = read_all(out, &n);
    assert_true(n > 0 && text[n - 1] == '}');
    text[n] = '\n';
    assert_sha256(text, n + 1, sorted_outputs[0].sha256);
    free(text);
    unlink(out);
    free(out);
}

/* ---------------------------------------------------------- prune, rename */

#define SBOTTOM REAL "sbottom_ATLAS-SUSY-2018-31_RegionA/BkgOnly.json"

static void test_prune_rename(void **state)
{
    NEED_BIN();
    /* sha256 of what pyhf prune / pyhf rename printed with these
     * arguments. */
    static const struct {
        const char *args[16];
        const char *sha256;
    } cases[] = {
        {{"prune", DEMO_WS, "-m", "JES"},
         "68118621f913fc722682781837add250bee03432b237a4861a932b993a591674"},
        {{"prune", DEMO_WS, "-c", "CR"},
         "2fd6edcf032e1dd795b0f85799dc8075f362a49ad8d820747873a401c8a4630a"},
        {{"prune", "-s", "wjets", DEMO_WS, "--modifier-type", "normsys"},
         "088dbc9f960f8786a5d675313529f657c9d610016a2f91956fe13267083882bf"},
        {{"rename", DEMO_WS, "-m", "JES", "JES2", "-c", "CR", "CR_new", "-s",
          "ttbar", "tt", "--measurement", "NormalMeasurement", "m2"},
         "d50091fa75b789e2a1b54a3e0625a1c9a71e1efbb9db6ccb6be989ff70b8a593"},
        {{"rename", DEMO_WS, "--modifier", "mu_ttbar", "mu"},
         "58083119849cc48e1f209dbefd5f249287fc72ef952f299b60bc7c337d36b56a"},
        {{"prune", SBOTTOM, "-c", "VRtt_meff", "-s", "W", "-m", "EG_SCALE_ALL",
          "-t", "histosys"},
         "96e9c73958d7d55d4e345613e3d77b38a96e504a4be4cf31dbc17fbe4ebcd5fb"},
        {{"rename", SBOTTOM, "-c", "SR_meff", "SR", "-m", "EG_SCALE_ALL", "EGS",
          "-s", "W", "Wjets"},
         "b26027d6e2a442de3d986726a9cfadc09cd8b66f35f131f847cb1a10f6b48df8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (access(cases[i].args[1], R_OK) != 0)
            continue;
        const char *const *a = cases[i].args;
        result r = run(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8],
                       a[9], a[10], a[11], a[12], a[13], a[14], a[15], NULL);
        assert_ok(&r, NULL);
        assert_sha256(r.out, r.outlen, cases[i].sha256);
        result_free(&r);
    }
    /* pyhf's errors.  histosys: JES is both, and pyhf's dict keeps only
     * normsys for it. */
    result r = run("prune", DEMO_WS, "-t", "histosys", NULL);
    assert_failed_cleanly(&r, 1, "histosys is not one of the modifier types in this workspace.");
    result_free(&r);
    run_fails(1, "nosuch is not one of the samples in this workspace.",
              "rename", DEMO_WS, "-s", "nosuch", "x", NULL);
    run_fails(1, "nosuch is not one of the channels in this workspace.",
              "prune", DEMO_WS, "-c", "nosuch", NULL);
    /* Pruning the only measurement leaves no valid workspace. */
    run_fails(1, "measurements", "prune", DEMO_WS, "--measurement", "NormalMeasurement", NULL);
    run_fails(2, "needs two values", "rename", DEMO_WS, "-s", "ttbar", NULL);
    run_fails(2, "unknown option '-t'", "rename", DEMO_WS, "-t", "a", "b", NULL);
}

/* --------------------------------------------------------------- combine */

static void test_combine(void **state)
{
    NEED_BIN();
    /* Inputs made by hf rename (checked above against pyhf). */
    char *ren = tmp_path("ren.json"), *ren2 = tmp_path("ren2.json");
    result r = run("rename", DEMO_WS, "-c", "CR", "CR2", "-c", "SR", "SR2", "-m",
                   "JES", "JES_b", "--measurement", "NormalMeasurement", "M2",
                   "--output-file", ren, NULL);
    assert_ok(&r, "");
    result_free(&r);
    r = run("rename", DEMO_WS, "-s", "ttbar", "ttb", "-m", "JES", "JES_b",
            "--output-file", ren2, NULL);
    assert_ok(&r, "");
    result_free(&r);
    /* sha256 of what pyhf combine printed for the same inputs. */
    r = run("combine", DEMO_WS, ren, NULL);
    assert_ok(&r, NULL);
    assert_sha256(r.out, r.outlen, "e6ce3a85428b650170bf6964c6c985aaf75cf280c6c41d889caa94148bf9efcc");
    result_free(&r);
    r = run("combine", DEMO_WS, ren2, "-j", "outer", "--merge-channels", NULL);
    assert_ok(&r, NULL);
    assert_sha256(r.out, r.outlen, "ea4a1a73c3c3b82bfaca612e6aa7ce9df9518d8757eded9c60179f3993523f0f");
    result_free(&r);
    r = run("combine", ren2, DEMO_WS, "--join", "right outer", NULL);
    assert_ok(&r, NULL);
    assert_sha256(r.out, r.outlen, "5d0b9ab2e06835bef1cc62771cc4e8a0fb251dafefe82f8361f760e278a7beb0");
    result_free(&r);
    /* pyhf's refusals (a set of several names prints in Python's hash
     * order, so only one-name sets would match byte for byte). */
    run_fails(1, "Workspaces cannot have any channels in common with the same name: {",
              "combine", DEMO_WS, DEMO_WS, NULL);
    run_fails(1, "Workspaces cannot have channels in common with incompatible structure: ['CR', 'SR']. You can also try a different join operation: ['none', 'outer', 'left outer', 'right outer'].",
              "combine", DEMO_WS, ren2, "-j", "outer", NULL);
    run_fails(2, "bogus", "combine", DEMO_WS, ren2, "-j", "bogus", NULL);
    r = run("combine", DEMO_WS, ren, "--merge-channels", NULL);
    assert_failed_cleanly(&r, 2, "You can only merge channels using the 'outer', 'left outer', or 'right outer' join operations; not none");
    result_free(&r);
    unlink(ren);
    unlink(ren2);
    free(ren);
    free(ren2);

    if (access(SHARED, R_OK) != 0)
        return;
    r = run("combine", REAL "DVmuon_ins1788448_SRMET/BkgOnly.json",
            REAL "SS3L_ATLAS-SUSY-2018-09_Rpc2L0b/BkgOnly.json", NULL);
    assert_ok(&r, NULL);
    assert_sha256(r.out, r.outlen, "dff9b9196009f4af6c6759e821a754a97646f8f05863fad70f31bbe2abde9c15");
    result_free(&r);
    r = run("combine", SBOTTOM, REAL "simplified_sbottom_ATLAS-SUSY-2018-31_SRA/BkgOnly.json",
            "-j", "left outer", "--merge-channels", NULL);
    assert_ok(&r, NULL);
    assert_sha256(r.out, r.outlen, "0fde4ccfd61e6bc6b084473c7bdfa03d0bf674c0882cfb1e31d9d3e1cc2df1fa");
    result_free(&r);
}

int main(void)
{
    if (run_setup("test_ws_cli") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digest_demo),
        cmocka_unit_test(test_digest_shared),
        cmocka_unit_test(test_patchset_demo),
        cmocka_unit_test(test_patchset_failures),
        cmocka_unit_test(test_patchset_real),
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_prune_rename),
        cmocka_unit_test(test_combine),
    };
    int rc = cmocka_run_group_tests_name("ws_cli", tests, NULL, NULL);
    run_teardown("test_ws_cli");
    return rc;
}
