/*
 * xmlapi.h - the libxml2 functions the TMVA reader calls, reached through
 * a table that xmldl.c fills when the first TMVA weight file is read: hf
 * does not link libxml2, whose loading (with ICU, libstdc++, zlib and
 * liblzma) cost ~2.5 ms in every command, nearly all of which read no
 * TMVA file.
 *
 * Included by tmva.h after libxml2's headers: each function is redefined
 * as the table's member of the same name and type, so the reader reads as
 * plain libxml2.  hfml_xml() is only valid after hfml_xml_need succeeded,
 * which the reader calls before it parses: no xmlNode exists before.
 * For ml/ only.
 */
#ifndef HF_ML_XMLAPI_H
#define HF_ML_XMLAPI_H

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "ml.h"

#define HFML_XML_SYMS                  \
    HFML_XML_SYM(xmlReadFile)          \
    HFML_XML_SYM(xmlDocGetRootElement) \
    HFML_XML_SYM(xmlFreeDoc)           \
    HFML_XML_SYM(xmlGetProp)           \
    HFML_XML_SYM(xmlNodeGetContent)    \
    HFML_XML_SYM(xmlGetLineNo)         \
    HFML_XML_SYM(xmlGetLastError)

/* A member per function, of its own type, named as it, then xmlFree:
 * in libxml2 a variable that holds the deallocator, so its address is
 * what the table keeps.  sym[] is the same storage as core/dl.h fills it. */
enum { HFML_XML_NSYM = 1
#define HFML_XML_SYM(f) +1
       HFML_XML_SYMS
#undef HFML_XML_SYM
};
typedef union hfml_xml_api {
    struct {
#define HFML_XML_SYM(f) __typeof__(f) *f;
        HFML_XML_SYMS
#undef HFML_XML_SYM
        xmlFreeFunc *free_var;
    };
    void *sym[HFML_XML_NSYM];
} hfml_xml_api;

/* libxml2 opened (on the first call) for reading `path`: HF_OK, or
 * HF_ERR_IO naming path, the library and the Debian package. */
int hfml_xml_need(const char *path, hf_error *err);
/* The table, once hfml_xml_need has succeeded. */
const hfml_xml_api *hfml_xml(void);

/* xmldl.c fills the table by these names: it sees no redefinitions */
#ifndef HFML_XML_TABLE
#define xmlReadFile (hfml_xml()->xmlReadFile)
#define xmlDocGetRootElement (hfml_xml()->xmlDocGetRootElement)
#define xmlFreeDoc (hfml_xml()->xmlFreeDoc)
#define xmlGetProp (hfml_xml()->xmlGetProp)
#define xmlNodeGetContent (hfml_xml()->xmlNodeGetContent)
#define xmlGetLineNo (hfml_xml()->xmlGetLineNo)
#define xmlGetLastError (hfml_xml()->xmlGetLastError)
#undef xmlFree
#define xmlFree (*hfml_xml()->free_var)
#endif

#endif
