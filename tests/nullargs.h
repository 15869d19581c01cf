/*
 * nullargs.h - the runner of test_nullargs, whose cases tests/gen_nullargs.py
 * generates from include/hf.h: the fixtures every case draws its valid
 * arguments from, the check of an HF_ERR_ARG answer, and main(), which runs
 * each case in a child process (a crash there is reported by name; the
 * other cases still run).  Included once, by the generated source.
 */
#ifndef HF_TEST_NULLARGS_H
#define HF_TEST_NULLARGS_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hf.h"

#define DEMO_WS "workspaces/demo/BkgOnly.json"
#define DEMO_PS "workspaces/demo/patchset.json"
#define ML_FILE "tests/ml/mlp.onnx"

typedef struct nullargs_case {
    int (*run)(void);  /* 0: as required */
    const char *label;
} nullargs_case;

extern const nullargs_case nullargs_cases[];
extern const int nullargs_nfunctions;

static hf_workspace *F_ws;
static hf_patch *F_patch;
static const hf_patch *F_patches[1];
static hf_patchset *F_ps;
static hf_model *F_model;
static hf_binning *F_bin;
static hf_signal *F_sig;
static hf_ml *F_ml;
static hf_model_options F_mo;
static hf_fit_options F_fo;
static hf_batch_options F_bo;
static hf_toys_options F_to;
static hf_simplify_options F_so;
static hf_ml_options F_mlo;
static hf_signal_spec F_spec;
static hf_ws_edit F_edit;
static const char *F_strs[2] = {"SR", "SR"};
static double F_d[1 << 16];
static char F_buf[1 << 16];
static _Alignas(64) unsigned char F_res[1 << 16];

/* A required pointer was NULL: HF_ERR_ARG, in the status and in err, with
 * a message. */
static int expect_arg(int rc, const hf_error *e)
{
    if (rc == HF_ERR_ARG && e->code == HF_ERR_ARG && e->msg[0])
        return 0;
    fprintf(stderr, "    returned %d (%s), err code %d, message '%s'; want "
            "HF_ERR_ARG with a message\n", rc, hf_status_name(rc), e->code,
            e->msg);
    return 1;
}

static int fixtures(void)
{
    hf_error err = {0};
    for (size_t i = 0; i < sizeof F_d / sizeof F_d[0]; i++)
        F_d[i] = 1.0;
    hf_model_options_init(&F_mo);
    hf_fit_options_init(&F_fo);
    hf_batch_options_init(&F_bo);
    hf_toys_options_init(&F_to);
    hf_simplify_options_init(&F_so);
    hf_ml_options_init(&F_mlo);
    hf_signal_spec_init(&F_spec);
    F_spec.channels = F_strs;
    F_spec.nchannels = 1;
    F_bo.threads = 1;
    F_to.threads = 1;
    if (hf_workspace_read(DEMO_WS, &F_ws, &err) ||
        hf_patchset_read(DEMO_PS, &F_ps, &err) ||
        hf_patch_read_any(DEMO_PS, "sig_300", &F_patch, &err) ||
        (F_patches[0] = F_patch,
         hf_model_build(F_ws, F_patches, 1, NULL, &F_model, &err)) ||
        hf_binning_parse("{\"SR\": [0, 0.5, 1]}", "b.json", &F_bin, &err) ||
        hf_signal_build(F_ws, &F_spec, NULL, &F_sig, &err) ||
        hf_ml_load(ML_FILE, NULL, &F_ml, &err)) {
        fprintf(stderr, "test_nullargs: fixtures: %s\n", err.msg);
        return -1;
    }
    return 0;
}

int main(void)
{
    if (access(DEMO_WS, R_OK) != 0 || access(ML_FILE, R_OK) != 0) {
        printf("test_nullargs: skipped (run from the source tree)\n");
        return 0;
    }
    if (fixtures() != 0)
        return 1;
    int n = 0, failed = 0;
    for (const nullargs_case *c = nullargs_cases; c->run; c++, n++) {
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            alarm(60);
            _exit(c->run() ? 1 : 0);
        }
        int st;
        waitpid(pid, &st, 0);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
            continue;
        failed++;
        if (WIFSIGNALED(st))
            printf("FAIL %s: killed by signal %d (%s)\n", c->label,
                   WTERMSIG(st), strsignal(WTERMSIG(st)));
        else
            printf("FAIL %s: exit %d\n", c->label, WEXITSTATUS(st));
    }
    printf("test_nullargs: %d functions of hf.h, %d calls with one NULL "
           "pointer, %d failed\n", nullargs_nfunctions, n, failed);
    return failed != 0;
}

#endif
