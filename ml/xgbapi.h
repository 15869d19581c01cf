/*
 * xgbapi.h - the functions of libxgboost's C API that ml/ calls, reached
 * through a table that xgbdl.c fills when the first XGBoost model is
 * read (the library is not linked: see xgbdl.c).  For ml/ only.
 */
#ifndef HF_ML_XGBAPI_H
#define HF_ML_XGBAPI_H

#include <xgboost/c_api.h>

#include "ml.h"

#define HFML_XGB_SYMS                        \
    HFML_XGB_SYM(XGBGetLastError)            \
    HFML_XGB_SYM(XGBoosterCreate)            \
    HFML_XGB_SYM(XGBoosterFree)              \
    HFML_XGB_SYM(XGBoosterLoadModel)         \
    HFML_XGB_SYM(XGBoosterGetNumFeature)     \
    HFML_XGB_SYM(XGBoosterGetStrFeatureInfo) \
    HFML_XGB_SYM(XGBoosterPredictFromDense)  \
    HFML_XGB_SYM(XGBoosterSaveModelToBuffer)

/* A member per function, of its own type (from c_api.h), named as it;
 * sym[] is the same storage as core/dl.h fills it. */
enum { HFML_XGB_NSYM = 0
#define HFML_XGB_SYM(f) +1
       HFML_XGB_SYMS
#undef HFML_XGB_SYM
};
typedef union hfml_xgb_api {
    struct {
#define HFML_XGB_SYM(f) __typeof__(f) *f;
        HFML_XGB_SYMS
#undef HFML_XGB_SYM
    };
    void *sym[HFML_XGB_NSYM];
} hfml_xgb_api;

/* The table, libxgboost opened on the first call; HF_ERR_IO naming
 * `path` (the model being read) and what is missing when it cannot be. */
int hfml_xgb_api_get(const hfml_xgb_api **api, const char *path, hf_error *err);

#endif
