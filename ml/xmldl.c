/*
 * xmldl.c - libxml2 opened when the first TMVA weight file is read (see
 * xmlapi.h), through core/dl.h: once per process, never closed.
 */
#define HFML_XML_TABLE
#include "xmlapi.h"
#include "core/dl.h"

static const char *const names[HFML_XML_NSYM] = {
#define HFML_XML_SYM(f) #f,
    HFML_XML_SYMS
#undef HFML_XML_SYM
    "xmlFree",
};

static hfml_xml_api api;
static hfcore_dl lib = HFCORE_DL("libxml2.so.2", "libxml2.so", "libxml2", names, api.sym);

int hfml_xml_need(const char *path, hf_error *err)
{
    return hfcore_dl_need(&lib, path, "a TMVA weight file", "libxml2", err);
}

const hfml_xml_api *hfml_xml(void)
{
    return &api;
}
