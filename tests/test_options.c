/*
 * test_options.c - the one table of hypotest options (cli/options.c):
 * every command sees each option once, the parser stores values and
 * refuses bad ones as `hf cls` always has, and the shared messages go to
 * a program's hook (as hfscan's ranks need) instead of stderr.
 */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cli.h"

static const unsigned cmds[] = {HF_CLI_CLS, HF_CLI_GRID, HF_CLI_SCAN};

/* Within one command a long name, and a short letter, appear once; every
 * option has a help line or is one described under another (cls only). */
static void test_table(void **state)
{
    (void)state;
    for (size_t c = 0; c < 3; c++) {
        int n = 0;
        for (const hf_cli_option *o = hfcli_options; o->name; o++) {
            if (!(o->cmds & cmds[c]))
                continue;
            n++;
            assert_true(o->help || cmds[c] == HF_CLI_CLS);
            for (const hf_cli_option *p = o + 1; p->name; p++)
                if (p->cmds & cmds[c]) {
                    assert_true(strcmp(o->name, p->name) != 0);
                    assert_true(o->key != p->key);
                }
        }
        assert_true(n >= 10);
    }
    int rows = 0;
    while (hfcli_options[rows].name)
        rows++;
    assert_true(rows < 64); /* hf_cli_args.seen has a bit per row */
}

static char *last;
static int last_usage;
static void hook(const char *text, int usage)
{
    free(last);
    last = strdup(text);
    last_usage = usage;
}

static int parse(unsigned cmd, hf_cli_args *a, const char **extra, ...)
{
    char *argv[16] = {"hfcls"};
    int argc = 1;
    va_list ap;
    va_start(ap, extra);
    for (char *s; (s = va_arg(ap, char *)) != NULL;)
        argv[argc++] = s;
    va_end(ap);
    hfcli_args_init(a);
    a->extra = extra;
    optind = 0;
    return hfcli_parse(cmd, argc, argv, a);
}

static void test_parse(void **state)
{
    (void)state;
    hfcli_msg_hook = hook;
    hf_cli_args a;
    const char *extra[16];
    assert_int_equal(parse(HF_CLI_CLS | HF_CLI_GRID, &a, extra, "ws.json",
                           "--test-poi", "2.5", "--test-stat", "q", "-p",
                           "a.json", "--cl", "0.9", "--upper-limit",
                           "--threads", "3", "ps.json", NULL), HF_EXIT_OK);
    assert_true(a.test_poi == 2.5 && a.ts == HF_TEST_QMU && a.cl == 0.9);
    assert_true(a.upper_limit && a.threads == 3 && a.nextra == 1);
    assert_string_equal(extra[0], "a.json");
    assert_true(hfcli_given(&a, HF_OPT_THREADS));
    assert_false(hfcli_given(&a, HF_OPT_SEED));
    assert_false(hfcli_given(&a, HF_OPT_TAIL_PROBS));

    /* the same refusals, worded once, in every command */
    for (size_t c = 0; c < 3; c++) {
        assert_int_equal(parse(cmds[c], &a, extra, "--test-stat", "qmu",
                               NULL), HF_EXIT_USAGE);
        assert_string_equal(last, "--test-stat: 'qmu' is not q, qtilde "
                                  "or q0");
        assert_true(last_usage);
        assert_int_equal(parse(cmds[c], &a, extra, "--cl", "1", NULL),
                         HF_EXIT_USAGE);
        assert_string_equal(last, "--cl: 1 is not between 0 and 1");
        assert_int_equal(parse(cmds[c], &a, extra, "--threads", "5000",
                               NULL), HF_EXIT_USAGE);
        assert_string_equal(last, "--threads: 5000 is not a whole number "
                                  "from 1 to 4096");
        assert_int_equal(parse(cmds[c], &a, extra, "--test-poi", "1.0x",
                               NULL), HF_EXIT_USAGE);
        assert_string_equal(last, "--test-poi: '1.0x' is not a number");
    }
    /* options of another command are unknown */
    assert_int_equal(parse(HF_CLI_SCAN, &a, extra, "--scan", "0:1:3", NULL),
                     HF_EXIT_USAGE);
    assert_string_equal(last, "unknown option '--scan'");
    assert_int_equal(parse(HF_CLI_CLS, &a, extra, "--chunk", "3", NULL),
                     HF_EXIT_USAGE);
    assert_int_equal(parse(HF_CLI_SCAN, &a, extra, "--chunk", "3",
                           "--resume", NULL), HF_EXIT_OK);
    assert_true(a.chunk == 3 && a.resume);
    assert_int_equal(parse(HF_CLI_CLS, &a, extra, "-h", "--cl", "7", NULL),
                     HF_EXIT_OK);
    assert_true(a.help);
    hfcli_msg("plain %d", 1);
    assert_string_equal(last, "plain 1");
    assert_false(last_usage);
    hfcli_msg_hook = NULL;
    free(last);
    last = NULL;
}

/* One table of interpolation code names (cli/args.c) for --interp and
 * hfscan's journal header: each code's pyhf name, and the name read back
 * by --interp gives the code. */
static void test_interp_names(void **state)
{
    (void)state;
    static const struct {
        hf_interp code;
        const char *name, *type;
    } pyhf[] = {
        {HF_INTERP_CODE0, "code0", "normsys"}, {HF_INTERP_CODE1, "code1", "normsys"},
        {HF_INTERP_CODE2, "code2", "histosys"}, {HF_INTERP_CODE4, "code4", "normsys"},
        {HF_INTERP_CODE4P, "code4p", "histosys"},
    };
    for (size_t i = 0; i < sizeof pyhf / sizeof pyhf[0]; i++) {
        assert_string_equal(hfcli_interp_name(pyhf[i].code), pyhf[i].name);
        char opt[32];
        snprintf(opt, sizeof opt, "%s=%s", pyhf[i].type, pyhf[i].name);
        hf_model_options mo = {0};
        mo.normsys_interp = mo.histosys_interp = (hf_interp)-1;
        assert_int_equal(hfcli_interp(opt, &mo), HF_EXIT_OK);
        assert_int_equal(pyhf[i].type[0] == 'n' ? mo.normsys_interp
                                                : mo.histosys_interp,
                         pyhf[i].code);
    }
    /* 3 is no code (pyhf has none) */
    assert_string_equal(hfcli_interp_name((hf_interp)3), "?");
}

/* The help lines: a name too long for its column puts the help on the
 * next line, aligned with the others. */
static void test_help(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    hfcli_options_help(f, HF_CLI_CLS);
    fclose(f);
    assert_non_null(strstr(buf, "\n  --cl X               confidence level "
                                "of the upper limit (default 0.95)\n"));
    assert_non_null(strstr(buf, "\n  --calctype asymptotics|toybased\n"
                                "                       calculator"));
    assert_null(strstr(buf, "--chunk"));
    assert_null(strstr(buf, "\n  --ntoys"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_interp_names),
        cmocka_unit_test(test_help),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
