/*
 * test_lazy.c - a grid's patchset read lazily (hfpatch_patchset_open: each
 * patch parsed by the worker computing its point, hf_batch_cls) gives
 * what reading it whole gives: the same operations, the same points, and,
 * for a patch that cannot be parsed, the same error (the first such patch
 * in patchset order fails the whole batch, as it failed the read).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hf.h"
#include "tests/internal.h"

#define DEMO "workspaces/demo/"

/* The patchset text of file src with `edit` inserted before the first
 * "op" key after the name `after`, written to a temporary file; its path
 * in buf. */
static void write_edited(const char *src, const char *after, const char *edit, char *buf,
                         size_t len)
{
    FILE *f = fopen(src, "rb");
    assert_non_null(f);
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char *at = strstr(text, after);
    assert_non_null(at);
    at = strstr(at, "\"op\"");
    assert_non_null(at);
    snprintf(buf, len, "/tmp/hf_test_lazy_XXXXXX");
    int fd = mkstemp(buf);
    assert_true(fd >= 0);
    f = fdopen(fd, "wb");
    fwrite(text, 1, (size_t)(at - text), f);
    fputs(edit, f);
    fputs(at, f);
    fclose(f);
}

static hf_workspace *demo_ws(void)
{
    hf_workspace *ws = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_read(DEMO "BkgOnly.json", &ws, &err), HF_OK);
    return ws;
}

/* The same operations and the same points, on two threads. */
static void test_same_points(void **state)
{
    (void)state;
    hf_workspace *ws = demo_ws();
    hf_patchset *eager = NULL, *lazy = NULL;
    hf_error err = {0};
    assert_int_equal(hf_patchset_read(DEMO "patchset.json", &eager, &err), HF_OK);
    assert_int_equal(hfpatch_patchset_open(DEMO "patchset.json", &lazy, &err), HF_OK);
    assert_true(hfpatch_patchset_lazy(lazy));
    assert_false(hfpatch_patchset_lazy(eager));
    int n = hf_patchset_size(eager);
    assert_int_equal(n, hf_patchset_size(lazy));
    for (int i = 0; i < n; i++) {
        assert_null(hf_patchset_patch(lazy, i));
        hf_patch *p = NULL;
        assert_int_equal(hfpatch_patchset_parse_one(lazy, i, &p, &err), HF_OK);
        const hf_patch *q = hf_patchset_patch(eager, i);
        assert_true(cJSON_Compare(p->ops, q->ops, 1));
        assert_string_equal(p->source, q->source);
        assert_int_equal(p->whole, q->whole);
        hf_patch_free(p);
    }
    hf_batch_options bo;
    hf_batch_options_init(&bo);
    bo.threads = 2;
    hf_batch_result a, b, c, d;
    assert_int_equal(hf_batch_cls(ws, eager, &bo, &a, &err), HF_OK);
    assert_int_equal(hf_batch_cls(ws, lazy, &bo, &b, &err), HF_OK);
    /* the workspace's samples read beforehand, as the command does */
    hfmodel_prep *prep = hfmodel_prep_new(ws);
    assert_non_null(prep);
    assert_int_equal(hfinfer_batch_cls_prep(ws, prep, lazy, &bo, &c, &err), HF_OK);
    /* and with the patchset read whole (its builds take prep too) */
    assert_int_equal(hfinfer_batch_cls_prep(ws, prep, eager, &bo, &d, &err), HF_OK);
    hfmodel_prep_free(prep);
    assert_int_equal(a.n, b.n);
    assert_int_equal(a.n, c.n);
    assert_int_equal(a.nfailed, b.nfailed);
    assert_int_equal(a.nfailed, c.nfailed);
    assert_int_equal(a.n, d.n);
    assert_int_equal(a.nfailed, d.nfailed);
    for (int i = 0; i < n; i++) {
        assert_int_equal(a.items[i].status, b.items[i].status);
        assert_memory_equal(&a.items[i].cls, &b.items[i].cls, sizeof a.items[i].cls);
        assert_int_equal(a.items[i].status, c.items[i].status);
        assert_memory_equal(&a.items[i].cls, &c.items[i].cls, sizeof a.items[i].cls);
        assert_int_equal(a.items[i].status, d.items[i].status);
        assert_memory_equal(&a.items[i].cls, &d.items[i].cls, sizeof a.items[i].cls);
    }
    hf_batch_result_free(&a);
    hf_batch_result_free(&b);
    hf_batch_result_free(&c);
    hf_batch_result_free(&d);
    hf_patchset_free(eager);
    hf_patchset_free(lazy);
    hf_workspace_free(ws);
}

static int count_marks(const cJSON *it)
{
    int n = 0;
    for (; it; it = it->next)
        n += ((it->type & HF_JSON_INT) != 0) + count_marks(it->child);
    return n;
}

/* A patch parsed for a build (hfpatch_patchset_parse_build) has the same
 * operations without the integer marks, which only a dump reads; parsed
 * for anything else, it has the whole read's marks. */
static void test_marks(void **state)
{
    (void)state;
    char path[64];
    write_edited(DEMO "patchset.json", "sig_300",
                 "\"op\": \"test\", \"path\": \"/version\", \"value\": [7, 7.0, -12]}, {",
                 path, sizeof path);
    hf_patchset *eager = NULL, *lazy = NULL;
    hf_error err = {0};
    assert_int_equal(hf_patchset_read(path, &eager, &err), HF_OK);
    assert_int_equal(hfpatch_patchset_open(path, &lazy, &err), HF_OK);
    hf_patch *one = NULL, *built = NULL;
    assert_int_equal(hfpatch_patchset_parse_one(lazy, 0, &one, &err), HF_OK);
    assert_int_equal(hfpatch_patchset_parse_build(lazy, 0, &built, &err), HF_OK);
    const hf_patch *whole = hf_patchset_patch(eager, 0);
    assert_int_equal(count_marks(whole->ops), 2);
    assert_int_equal(count_marks(one->ops), 2);
    assert_int_equal(count_marks(built->ops), 0);
    assert_true(cJSON_Compare(built->ops, whole->ops, 1));
    assert_string_equal(built->source, whole->source);
    assert_int_equal(built->whole, whole->whole);
    hf_patch_free(one);
    hf_patch_free(built);
    hf_patchset_free(eager);
    hf_patchset_free(lazy);
    unlink(path);
}

/* The patchset at path fails the whole read (its message containing
 * want, where want is not NULL) and opens lazily, and the batch over it
 * fails with the whole read's code and message; path is removed. */
static void batch_fails_as_read(const hf_workspace *ws, const char *path,
                                const char *want)
{
    hf_patchset *eager = NULL, *lazy = NULL;
    hf_error ee = {0}, le = {0};
    assert_int_not_equal(hf_patchset_read(path, &eager, &ee), HF_OK);
    if (want)
        assert_non_null(strstr(ee.msg, want));
    assert_int_equal(hfpatch_patchset_open(path, &lazy, &le), HF_OK);
    hf_batch_options bo;
    hf_batch_options_init(&bo);
    bo.threads = 2;
    hf_batch_result r;
    int rc = hf_batch_cls(ws, lazy, &bo, &r, &le);
    assert_int_equal(rc, ee.code);
    assert_string_equal(le.msg, ee.msg);
    assert_null(r.items);
    hf_patchset_free(lazy);
    unlink(path);
}

/* Patches that cannot be parsed (a repeated key, an unknown op), one or
 * two of them: the batch fails with the message of the whole read, the
 * first such patch's. */
static void test_same_errors(void **state)
{
    (void)state;
    static const char *const edits[][2] = {
        {"sig_400", "\"op\": \"remove\", "},
        {"sig_500", "\"op\": \"frobnicate\", \"path\": \"\", \"x\": 1}, {"},
    };
    hf_workspace *ws = demo_ws();
    for (int k = 0; k < 3; k++) {
        char path[64];
        if (k < 2) {
            write_edited(DEMO "patchset.json", edits[k][0], edits[k][1], path, sizeof path);
        } else {
            /* both faults: the first in patch order is reported */
            char first[64];
            write_edited(DEMO "patchset.json", edits[1][0], edits[1][1], first, sizeof first);
            write_edited(first, edits[0][0], edits[0][1], path, sizeof path);
            unlink(first);
        }
        batch_fails_as_read(ws, path, NULL);
    }
    hf_workspace_free(ws);
}

/* A repeated key in what the build's parse may take into its number
 * block (patch/numblock.c: a normsys's {"hi", "lo"}, a histosys's
 * {"hi_data", "lo_data"}, a modifier object): the block declines such an
 * object, so the repeated-key walk, which skips the block's containers,
 * still meets it in cJSON's tree; the batch fails with the whole read's
 * message. */
static void test_block_repeats(void **state)
{
    (void)state;
    static const char *const datas[] = {
        "{\"hi\": 1.1, \"hi\": 0.9}",
        "{\"hi_data\": [1.5, 2], \"lo_data\": [0.5, 1], \"hi_data\": [1, 2]}",
        "{\"lo\": 0.9, \"hi\": 1.1}, \"name\": \"b\"",
    };
    hf_workspace *ws = demo_ws();
    for (int k = 0; k < 3; k++) {
        char edit[512], path[64];
        snprintf(edit, sizeof edit,
                 "\"op\": \"add\", \"path\": \"/channels/0/samples/0/modifiers/0\", "
                 "\"value\": {\"name\": \"a\", \"type\": \"normsys\", \"data\": %s}}, {",
                 datas[k]);
        write_edited(DEMO "patchset.json", "sig_400", edit, path, sizeof path);
        batch_fails_as_read(ws, path, "appears twice in one object");
    }
    hf_workspace_free(ws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_points),
        cmocka_unit_test(test_same_errors),
        cmocka_unit_test(test_block_repeats),
        cmocka_unit_test(test_marks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
