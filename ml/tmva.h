/*
 * tmva.h - what the two files of the TMVA reader share: libxml2 helpers
 * and the variable transformations (tmva_xform.c) that tmva.c applies
 * before the trees.
 */
#ifndef HF_ML_TMVA_H
#define HF_ML_TMVA_H

#include "xmlapi.h" /* libxml2, opened on first use */

/* The first element child of n called name, the next sibling of c so
 * called; NULL when none (or n NULL). */
const xmlNode *hfml_xml_child(const xmlNode *n, const char *name);
const xmlNode *hfml_xml_next(const xmlNode *c, const char *name);
/* Attribute `name` of n as a number; -1 (err set naming path and line)
 * when absent or not a number. */
int hfml_xml_num(const char *path, hf_error *err, const xmlNode *n, const char *name,
                 double *out);

/* A cumulative distribution of a Gauss or Uniform transformation
 * (tmva_cdf.c), read from a <PDF> element; its value at x as TMVA's
 * PDF::GetVal gives it. */
typedef struct hfml_tmva_cdf hfml_tmva_cdf;
int hfml_tmva_cdf_read(const xmlNode *pdf, const char *path, hfml_tmva_cdf **out,
                       hf_error *err);
double hfml_tmva_cdf_eval(const hfml_tmva_cdf *c, double x);
void hfml_tmva_cdf_free(hfml_tmva_cdf *c);

/* The chain of transformations in <Transformations> (NULL: none), read
 * for nvar variables named names[] (their Expressions); *out NULL when
 * the file has none. */
typedef struct hfml_tmva_xf hfml_tmva_xf;
int hfml_tmva_xf_read(const xmlNode *trs, const char *path, int nvar, char **names,
                      hfml_tmva_xf **out, hf_error *err);
/* One event's nvar values, in place; tmp: nvar doubles. */
void hfml_tmva_xf_apply(const hfml_tmva_xf *x, float *row, double *tmp);
void hfml_tmva_xf_free(hfml_tmva_xf *x);

#endif
