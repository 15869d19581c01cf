/* tmva.c - TMVA BDT weight files (placeholder until the reader lands). */
#include "ml.h"

int hf_tmva_load(const char *path, hf_ml_backend *be, hf_error *err)
{
    (void)be;
    return hf_error_set(err, HF_ERR_INVALID, "%s: TMVA weight files are not read yet", path);
}
