/*
 * xgbdl.c - libxgboost opened when the first XGBoost model is read, not
 * when a program linked with hf starts.
 *
 * Loading it (with the libstdc++ and libdmlc it brings) cost about 8 ms
 * of CPU in every hf command, most of which never read an XGBoost model:
 * a large part of a one-patch hfcls.  The library is opened once per
 * process (core/dl.h: the table is written then and only read after) and
 * never closed: XGBoost keeps threads and state of its own.
 */
#include "xgbapi.h"
#include "core/dl.h"

static const char *const names[HFML_XGB_NSYM] = {
#define HFML_XGB_SYM(f) #f,
    HFML_XGB_SYMS
#undef HFML_XGB_SYM
};

static hfml_xgb_api api;
static hfcore_dl lib = HFCORE_DL("libxgboost.so.0", "libxgboost.so", "libxgboost", names,
                                 api.sym);

int hfml_xgb_api_get(const hfml_xgb_api **out, const char *path, hf_error *err)
{
    int rc = hfcore_dl_need(&lib, path, "an XGBoost model", "libxgboost0", err);
    if (!rc)
        *out = &api;
    return rc;
}
