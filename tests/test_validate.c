/*
 * test_validate.c - workspace loading and validation.
 *
 * Each malformed workspace is a small valid one (BASE) with a few edits
 * applied through cJSON; the test asserts the status code and a fragment of
 * the message that carries the JSON path.  Then every shared BkgOnly.json
 * must load, and file-level failures must name the file.
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"

static const char BASE[] =
    "{\"channels\": ["
    " {\"name\": \"SR\", \"samples\": ["
    "  {\"name\": \"signal\", \"data\": [5.0, 10.0], \"modifiers\": ["
    "   {\"name\": \"mu\", \"type\": \"normfactor\", \"data\": null},"
    "   {\"name\": \"lumi\", \"type\": \"lumi\", \"data\": null}]},"
    "  {\"name\": \"bkg\", \"data\": [50.0, 60.0], \"modifiers\": ["
    "   {\"name\": \"jes\", \"type\": \"normsys\","
    "    \"data\": {\"hi\": 1.1, \"lo\": 0.9}},"
    "   {\"name\": \"shape\", \"type\": \"histosys\","
    "    \"data\": {\"hi_data\": [52.0, 63.0], \"lo_data\": [48.0, 57.0]}},"
    "   {\"name\": \"stat_SR\", \"type\": \"staterror\", \"data\": [3.0, 4.0]},"
    "   {\"name\": \"unc\", \"type\": \"shapesys\", \"data\": [5.0, 6.0]},"
    "   {\"name\": \"free\", \"type\": \"shapefactor\", \"data\": null},"
    "   {\"name\": \"lumi\", \"type\": \"lumi\", \"data\": null}]}]},"
    " {\"name\": \"CR\", \"samples\": ["
    "  {\"name\": \"bkg\", \"data\": [100.0, 110.0, 120.0], \"modifiers\": ["
    "   {\"name\": \"mu_bkg\", \"type\": \"normfactor\", \"data\": null}]}]}],"
    " \"observations\": ["
    "  {\"name\": \"SR\", \"data\": [55, 70]},"
    "  {\"name\": \"CR\", \"data\": [101, 108, 125]}],"
    " \"measurements\": ["
    "  {\"name\": \"meas\", \"config\": {\"poi\": \"mu\", \"parameters\": ["
    "   {\"name\": \"lumi\", \"auxdata\": [1.0], \"sigmas\": [0.02],"
    "    \"bounds\": [[0.9, 1.1]], \"inits\": [1.0], \"fixed\": false},"
    "   {\"name\": \"mu_bkg\", \"bounds\": [[0, 10]], \"inits\": [2.0]},"
    "   {\"name\": \"mu_unused\", \"fixed\": true}]}}],"
    " \"version\": \"1.0.0\"}";

/* ---------------------------------------------------------- mutations */

/* S: set (replace, or add to an object; path "" replaces the document),
 * K: add a key even if present, D: delete, A: append to an array,
 * C: append a copy of an array element to its array.  A JSON string
 * value "@TEXT" is written as the raw text TEXT, so that literals cJSON
 * cannot print (1e999) reach the parser. */
typedef struct op {
    char kind;
    const char *path;
    const char *value;
} op;

typedef struct vcase {
    const char *name;
    op ops[3];
    int code;
    const char *fragment; /* expected in the message after "mut.json: " */
} vcase;

/* Parent of the node `path` points at, and the last segment. */
static cJSON *resolve(cJSON *root, const char *path, char *last, size_t len)
{
    cJSON *node = root;
    const char *p = path;
    assert_true(*p == '/');
    for (;;) {
        p++;
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        assert_true(n < len);
        memcpy(last, p, n);
        last[n] = '\0';
        if (!end)
            return node;
        if (cJSON_IsArray(node))
            node = cJSON_GetArrayItem(node, atoi(last));
        else
            node = cJSON_GetObjectItemCaseSensitive(node, last);
        assert_non_null(node);
        p = end;
    }
}

static cJSON *child_of(cJSON *parent, const char *key)
{
    if (cJSON_IsArray(parent))
        return cJSON_GetArrayItem(parent, atoi(key));
    return cJSON_GetObjectItemCaseSensitive(parent, key);
}

static void apply(cJSON **doc, const op *o)
{
    char key[128];
    cJSON *val = NULL;
    if (o->value) {
        val = cJSON_Parse(o->value);
        assert_non_null(val);
    }
    if (o->kind == 'S' && o->path[0] == '\0') {
        cJSON_Delete(*doc);
        *doc = val;
        return;
    }
    cJSON *parent = resolve(*doc, o->path, key, sizeof key);
    cJSON *node = child_of(parent, key);
    switch (o->kind) {
    case 'S':
        if (node && cJSON_IsArray(parent))
            cJSON_ReplaceItemInArray(parent, atoi(key), val);
        else if (node)
            cJSON_ReplaceItemInObjectCaseSensitive(parent, key, val);
        else
            cJSON_AddItemToObject(parent, key, val);
        break;
    case 'K':
        cJSON_AddItemToObject(parent, key, val);
        break;
    case 'D':
        assert_non_null(node);
        if (cJSON_IsArray(parent))
            cJSON_DeleteItemFromArray(parent, atoi(key));
        else
            cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
        break;
    case 'A':
        assert_true(cJSON_IsArray(node));
        cJSON_AddItemToArray(node, val);
        break;
    case 'C':
        assert_non_null(node);
        assert_true(cJSON_IsArray(parent));
        cJSON_AddItemToArray(parent, cJSON_Duplicate(node, 1));
        break;
    default:
        fail_msg("bad op kind %c", o->kind);
    }
}

/* Turns "\"@TEXT\"" into "TEXT" in place. */
static void unquote_raw(char *s)
{
    char *w = s;
    for (const char *r = s; *r;) {
        if (r[0] == '"' && r[1] == '@') {
            r += 2;
            while (*r && *r != '"')
                *w++ = *r++;
            if (*r)
                r++;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

static char *mutate(const op *ops)
{
    cJSON *doc = cJSON_Parse(BASE);
    assert_non_null(doc);
    for (int i = 0; i < 3 && ops[i].kind; i++)
        apply(&doc, &ops[i]);
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    assert_non_null(text);
    unquote_raw(text);
    return text;
}

#define CH0S1 "/channels/0/samples/1"
#define MOD(i) CH0S1 "/modifiers/" #i
#define PAR(i) "/measurements/0/config/parameters/" #i

static const vcase cases[] = {
    /* root */
    {"root_not_object", {{'S', "", "[1, 2]"}}, HF_ERR_INVALID,
     "(root): expected an object, got an array"},
    {"missing_channels", {{'D', "/channels", NULL}}, HF_ERR_INVALID,
     "(root): missing required key 'channels'"},
    {"missing_measurements", {{'D', "/measurements", NULL}}, HF_ERR_INVALID,
     "(root): missing required key 'measurements'"},
    {"missing_observations", {{'D', "/observations", NULL}}, HF_ERR_INVALID,
     "(root): missing required key 'observations'"},
    {"missing_version", {{'D', "/version", NULL}}, HF_ERR_INVALID,
     "(root): missing required key 'version'"},
    {"extra_root_key", {{'S', "/metadata", "{}"}}, HF_ERR_INVALID,
     "(root): unexpected key 'metadata'"},
    {"duplicate_root_key", {{'K', "/version", "\"1.0.0\""}}, HF_ERR_INVALID,
     "(root): duplicate key 'version'"},
    {"wrong_version", {{'S', "/version", "\"1.1.0\""}}, HF_ERR_INVALID,
     "version: unsupported workspace version '1.1.0'"},
    {"version_number", {{'S', "/version", "1.0"}}, HF_ERR_INVALID,
     "version: expected a string, got a number"},
    {"channels_object", {{'S', "/channels", "{}"}}, HF_ERR_INVALID,
     "channels: expected an array, got an object"},
    {"channels_empty", {{'S', "/channels", "[]"}}, HF_ERR_INVALID,
     "channels: must not be empty"},
    {"measurements_empty", {{'S', "/measurements", "[]"}}, HF_ERR_INVALID,
     "measurements: must not be empty"},
    {"observations_empty", {{'S', "/observations", "[]"}}, HF_ERR_INVALID,
     "observations: must not be empty"},
    /* channels */
    {"channel_not_object", {{'S', "/channels/0", "\"SR\""}}, HF_ERR_INVALID,
     "channels[0]: expected an object, got a string"},
    {"channel_missing_name", {{'D', "/channels/1/name", NULL}}, HF_ERR_INVALID,
     "channels[1]: missing required key 'name'"},
    {"channel_name_number", {{'S', "/channels/1/name", "7"}}, HF_ERR_INVALID,
     "channels[1].name: expected a string, got a number"},
    {"channel_extra_key", {{'S', "/channels/0/bins", "2"}}, HF_ERR_INVALID,
     "channels[0]: unexpected key 'bins' (allowed: name, samples)"},
    {"channel_duplicate_key", {{'K', "/channels/0/name", "\"X\""}},
     HF_ERR_INVALID, "channels[0]: duplicate key 'name'"},
    {"channel_samples_empty", {{'S', "/channels/1/samples", "[]"}},
     HF_ERR_INVALID, "channels[1].samples: must not be empty"},
    {"channel_duplicate", {{'S', "/channels/1/name", "\"SR\""}},
     HF_ERR_INVALID,
     "channels[1] ('SR'): duplicate channel name 'SR' (first at channels[0])"},
    /* samples */
    {"sample_missing_modifiers", {{'D', CH0S1 "/modifiers", NULL}},
     HF_ERR_INVALID,
     "channels[0].samples[1]: missing required key 'modifiers'"},
    {"sample_missing_data", {{'D', CH0S1 "/data", NULL}}, HF_ERR_INVALID,
     "channels[0].samples[1]: missing required key 'data'"},
    {"sample_data_empty", {{'S', CH0S1 "/data", "[]"}}, HF_ERR_INVALID,
     "channels[0].samples[1].data: must not be empty"},
    {"sample_data_string", {{'S', CH0S1 "/data/1", "\"60\""}},
     HF_ERR_INVALID,
     "channels[0].samples[1].data[1]: expected a number, got a string"},
    {"sample_data_bool", {{'S', CH0S1 "/data/0", "true"}}, HF_ERR_INVALID,
     "channels[0].samples[1].data[0]: expected a number, got a boolean"},
    {"sample_data_inf", {{'S', CH0S1 "/data/1", "\"@1e999\""}},
     HF_ERR_INVALID, "channels[0].samples[1].data[1]: number is not finite"},
    {"sample_data_minus_inf", {{'S', "/channels/1/samples/0/data/2",
                                "\"@-1e999\""}},
     HF_ERR_INVALID, "channels[1].samples[0].data[2]: number is not finite"},
    {"sample_length", {{'A', CH0S1 "/data", "1"}}, HF_ERR_INVALID,
     "channels[0].samples[1].data: has 3 bins but channel 'SR' has 2"},
    {"sample_duplicate", {{'S', CH0S1 "/name", "\"signal\""}},
     HF_ERR_INVALID,
     "channels[0].samples[1] ('signal'): duplicate sample name 'signal' in "
     "channel 'SR' (first at samples[0])"},
    {"sample_extra_key", {{'S', CH0S1 "/weight", "1"}}, HF_ERR_INVALID,
     "channels[0].samples[1]: unexpected key 'weight'"},
    {"modifiers_object", {{'S', CH0S1 "/modifiers", "{}"}}, HF_ERR_INVALID,
     "channels[0].samples[1].modifiers: expected an array, got an object"},
    /* modifiers */
    {"modifier_unknown_type", {{'S', MOD(0) "/type", "\"normsyst\""}},
     HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[0].type: unknown modifier type "
     "'normsyst'"},
    {"modifier_missing_type", {{'D', MOD(0) "/type", NULL}}, HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[0]: missing required key 'type'"},
    {"modifier_missing_data",
     {{'D', "/channels/1/samples/0/modifiers/0/data", NULL}},
     HF_ERR_INVALID,
     "channels[1].samples[0].modifiers[0]: missing required key 'data'"},
    {"modifier_name_null", {{'S', MOD(2) "/name", "null"}}, HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[2].name: expected a string, got null"},
    {"modifier_extra_key", {{'S', MOD(0) "/interp", "4"}}, HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[0]: unexpected key 'interp'"},
    {"modifier_not_object", {{'S', MOD(0), "[]"}}, HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[0]: expected an object, got an array"},
    {"lumi_misnamed",
     {{'S', "/channels/0/samples/0/modifiers/1/name", "\"lumi2\""}},
     HF_ERR_INVALID,
     "channels[0].samples[0].modifiers[1].name: a lumi modifier must be "
     "named 'lumi', not 'lumi2'"},
    {"lumi_data", {{'S', MOD(5) "/data", "[1.0]"}}, HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[5].data: a lumi modifier's data must "
     "be null, got an array"},
    {"normfactor_data",
     {{'S', "/channels/0/samples/0/modifiers/0/data", "1"}}, HF_ERR_INVALID,
     "channels[0].samples[0].modifiers[0].data: a normfactor modifier's data "
     "must be null, got a number"},
    {"shapefactor_data", {{'S', MOD(4) "/data", "[]"}}, HF_ERR_INVALID,
     "modifiers[4].data: a shapefactor modifier's data must be null"},
    {"normsys_missing_lo", {{'D', MOD(0) "/data/lo", NULL}}, HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[0].data: missing required key 'lo'"},
    {"normsys_hi_string", {{'S', MOD(0) "/data/hi", "\"1.1\""}},
     HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[0].data.hi: expected a number, got a "
     "string"},
    {"normsys_lo_inf", {{'S', MOD(0) "/data/lo", "\"@-1e400\""}},
     HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[0].data.lo: number is not finite"},
    {"normsys_extra_key", {{'S', MOD(0) "/data/mid", "1"}}, HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[0].data: unexpected key 'mid'"},
    {"normsys_data_array", {{'S', MOD(0) "/data", "[1.1, 0.9]"}},
     HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[0].data: expected an object, got an "
     "array"},
    {"histosys_hi_length", {{'A', MOD(1) "/data/hi_data", "1"}},
     HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[1].data.hi_data: has 3 bins but the "
     "sample has 2"},
    {"histosys_lo_length", {{'D', MOD(1) "/data/lo_data/0", NULL}},
     HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[1].data.lo_data: has 1 bin but the "
     "sample has 2"},
    {"histosys_missing_lo", {{'D', MOD(1) "/data/lo_data", NULL}},
     HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[1].data: missing required key "
     "'lo_data'"},
    {"histosys_data_null", {{'S', MOD(1) "/data", "null"}}, HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[1].data: expected an object, got null"},
    {"histosys_hi_inf", {{'S', MOD(1) "/data/hi_data/1", "\"@1e999\""}},
     HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[1].data.hi_data[1]: number is not "
     "finite"},
    {"staterror_length", {{'D', MOD(2) "/data/1", NULL}}, HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[2].data: has 1 bin but the sample has "
     "2"},
    {"staterror_negative", {{'S', MOD(2) "/data/0", "-1"}}, HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[2].data[0]: uncertainty must be >= 0 "
     "(got -1)"},
    {"shapesys_negative", {{'S', MOD(3) "/data/1", "-0.5"}}, HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[3].data[1]: uncertainty must be >= 0 "
     "(got -0.5)"},
    {"shapesys_null", {{'S', MOD(3) "/data", "null"}}, HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[3].data: expected an array, got null"},
    {"shapesys_empty", {{'S', MOD(3) "/data", "[]"}}, HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[3].data: must not be empty"},
    {"modifier_duplicate", {{'C', MOD(0), NULL}}, HF_ERR_INVALID,
     "channels[0].samples[1].modifiers[6] ('jes'): duplicate modifier 'jes' "
     "of type 'normsys' in sample 'bkg' of channel 'SR' (first at "
     "modifiers[0])"},
    {"lumi_duplicate", {{'C', "/channels/0/samples/0/modifiers/1", NULL}},
     HF_ERR_INVALID,
     "channels[0].samples[0].modifiers[2] ('lumi'): duplicate modifier "
     "'lumi' of type 'lumi'"},
    /* measurements */
    {"measurement_missing_config", {{'D', "/measurements/0/config", NULL}},
     HF_ERR_INVALID, "measurements[0]: missing required key 'config'"},
    {"measurement_name_number", {{'S', "/measurements/0/name", "1"}},
     HF_ERR_INVALID, "measurements[0].name: expected a string, got a number"},
    {"measurement_duplicate", {{'C', "/measurements/0", NULL}}, HF_ERR_INVALID,
     "measurements[1] ('meas'): duplicate measurement name 'meas' (first at "
     "measurements[0])"},
    {"poi_null", {{'S', "/measurements/0/config/poi", "null"}},
     HF_ERR_INVALID, "measurements[0].config.poi: expected a string, got null"},
    {"config_missing_parameters",
     {{'D', "/measurements/0/config/parameters", NULL}}, HF_ERR_INVALID,
     "measurements[0].config: missing required key 'parameters'"},
    {"config_extra_key", {{'S', "/measurements/0/config/lumi", "1"}},
     HF_ERR_INVALID,
     "measurements[0].config: unexpected key 'lumi' (allowed: poi, "
     "parameters)"},
    {"parameters_object", {{'S', "/measurements/0/config/parameters", "{}"}},
     HF_ERR_INVALID,
     "measurements[0].config.parameters: expected an array, got an object"},
    {"parameter_missing_name", {{'D', PAR(1) "/name", NULL}}, HF_ERR_INVALID,
     "measurements[0].config.parameters[1]: missing required key 'name'"},
    {"parameter_duplicate", {{'S', PAR(2) "/name", "\"lumi\""}},
     HF_ERR_INVALID,
     "measurements[0].config.parameters[2] ('lumi'): Multiple parameter "
     "configurations for lumi were found"},
    {"parameter_extra_key", {{'S', PAR(0) "/step", "0.1"}}, HF_ERR_INVALID,
     "measurements[0].config.parameters[0]: unexpected key 'step'"},
    {"bounds_triple", {{'A', PAR(0) "/bounds/0", "1.2"}}, HF_ERR_INVALID,
     "measurements[0].config.parameters[0].bounds[0]: a bound must be a "
     "[lo, hi] pair, got 3 numbers"},
    {"bounds_single", {{'D', PAR(1) "/bounds/0/1", NULL}}, HF_ERR_INVALID,
     "measurements[0].config.parameters[1].bounds[0]: a bound must be a "
     "[lo, hi] pair, got 1 number"},
    {"bounds_reversed", {{'S', PAR(0) "/bounds/0", "[1.1, 0.9]"}},
     HF_ERR_INVALID,
     "measurements[0].config.parameters[0].bounds[0]: lower bound 1.1 is "
     "above upper bound 0.9"},
    {"bounds_flat", {{'S', PAR(1) "/bounds", "[0, 10]"}}, HF_ERR_INVALID,
     "measurements[0].config.parameters[1].bounds[0]: expected an array, got "
     "a number"},
    {"bounds_empty", {{'S', PAR(1) "/bounds", "[]"}}, HF_ERR_INVALID,
     "measurements[0].config.parameters[1].bounds: must not be empty"},
    {"bounds_inf", {{'S', PAR(1) "/bounds/0/1", "\"@1e999\""}},
     HF_ERR_INVALID,
     "measurements[0].config.parameters[1].bounds[0][1]: number is not "
     "finite"},
    {"inits_empty", {{'S', PAR(0) "/inits", "[]"}}, HF_ERR_INVALID,
     "measurements[0].config.parameters[0].inits: must not be empty"},
    {"sigmas_string", {{'S', PAR(0) "/sigmas/0", "\"0.02\""}},
     HF_ERR_INVALID,
     "measurements[0].config.parameters[0].sigmas[0]: expected a number, got "
     "a string"},
    {"auxdata_inf", {{'S', PAR(0) "/auxdata/0", "\"@-1e999\""}},
     HF_ERR_INVALID,
     "measurements[0].config.parameters[0].auxdata[0]: number is not finite"},
    {"factors_object", {{'S', PAR(1) "/factors", "{}"}}, HF_ERR_INVALID,
     "measurements[0].config.parameters[1].factors: expected an array, got "
     "an object"},
    {"fixed_string", {{'S', PAR(0) "/fixed", "\"yes\""}}, HF_ERR_INVALID,
     "measurements[0].config.parameters[0].fixed: expected a boolean, got a "
     "string"},
    /* observations */
    {"observation_missing_data", {{'D', "/observations/1/data", NULL}},
     HF_ERR_INVALID, "observations[1]: missing required key 'data'"},
    {"observation_name_null", {{'S', "/observations/0/name", "null"}},
     HF_ERR_INVALID, "observations[0].name: expected a string, got null"},
    {"observation_extra_key", {{'S', "/observations/0/weights", "[]"}},
     HF_ERR_INVALID, "observations[0]: unexpected key 'weights'"},
    {"observation_negative", {{'S', "/observations/0/data/1", "-3"}},
     HF_ERR_INVALID,
     "observations[0].data[1]: observed count must be >= 0 (got -3)"},
    {"observation_inf", {{'S', "/observations/1/data/0", "\"@1e999\""}},
     HF_ERR_INVALID, "observations[1].data[0]: number is not finite"},
    {"observation_empty", {{'S', "/observations/0/data", "[]"}},
     HF_ERR_INVALID, "observations[0].data: must not be empty"},
    {"observation_length", {{'A', "/observations/1/data", "5"}},
     HF_ERR_INVALID,
     "observations[1].data: has 4 bins but channel 'CR' (channels[1]) has 3"},
    {"observation_missing_channel", {{'S', "/observations/1/name", "\"VR\""}},
     HF_ERR_INVALID,
     "observations: no observation for channel 'CR' (channels[1])"},
    {"observation_duplicate", {{'C', "/observations/0", NULL}}, HF_ERR_INVALID,
     "observations[2] ('SR'): duplicate observation name 'SR' (first at "
     "observations[0])"},
    /* first fault in document order wins */
    {"first_fault_reported",
     {{'S', "/channels/1/name", "7"}, {'S', "/observations/0/data/0", "-1"}},
     HF_ERR_INVALID, "channels[1].name: expected a string"},
    /* valid variations: none of these may be refused */
    {"ok_base", {{0, NULL, NULL}}, HF_OK, NULL},
    {"ok_same_sample_other_channel",
     {{'S', "/channels/1/samples/0/name", "\"signal\""}}, HF_OK, NULL},
    {"ok_same_modifier_name_other_type", {{'S', MOD(1) "/name", "\"jes\""}},
     HF_OK, NULL},
    {"ok_extra_observation",
     {{'A', "/observations", "{\"name\": \"VR\", \"data\": [1, 2, 3, 4]}"}},
     HF_OK, NULL},
    {"ok_empty_modifiers_and_parameters",
     {{'S', CH0S1 "/modifiers", "[]"},
      {'D', "/channels/0/samples/0/modifiers/1", NULL},
      {'S', "/measurements/0/config/parameters", "[]"}},
     HF_OK, NULL},
    {"ok_zero_uncertainty_equal_bounds",
     {{'S', MOD(2) "/data/0", "0"}, {'S', PAR(1) "/bounds/0", "[2, 2]"}},
     HF_OK, NULL},
    {"ok_negative_yield_integer_data",
     {{'S', CH0S1 "/data/0", "-1"}, {'S', "/observations/0/data/0", "0"}},
     HF_OK, NULL},
};

#define NCASES (sizeof cases / sizeof cases[0])

static void run_case(void **state)
{
    const vcase *vc = *state;
    char *text = mutate(vc->ops);
    hf_workspace *ws = (hf_workspace *)&ws; /* must be reset to NULL */
    hf_error err = {0};
    int rc = hf_workspace_parse(text, "mut.json", &ws, &err);
    if (rc != vc->code)
        print_error("%s: got %s (%s), text: %s\n", vc->name,
                    hf_status_name(rc), err.msg, text);
    assert_int_equal(rc, vc->code);
    if (vc->code == HF_OK) {
        assert_non_null(ws);
        assert_non_null(ws->root);
        assert_string_equal(ws->source, "mut.json");
        assert_true(cJSON_IsArray(
            cJSON_GetObjectItemCaseSensitive(ws->root, "channels")));
    } else {
        assert_null(ws);
        assert_int_equal(err.code, vc->code);
        if (strncmp(err.msg, "mut.json: ", 10) != 0 ||
            !strstr(err.msg, vc->fragment))
            print_error("%s: message '%s' lacks '%s'\n", vc->name, err.msg,
                        vc->fragment);
        assert_memory_equal(err.msg, "mut.json: ", 10);
        assert_non_null(strstr(err.msg, vc->fragment));
    }
    hf_workspace_free(ws);
    cJSON_free(text);
}

/* -------------------------------------------------------- other checks */

static void test_validate_direct(void **state)
{
    (void)state;
    cJSON *doc = cJSON_Parse(BASE);
    assert_non_null(doc);
    hf_error err = {0};
    assert_int_equal(hfpatch_workspace_validate(doc, "direct", &err), HF_OK);
    /* err may be NULL: the status alone must still come back */
    cJSON_ReplaceItemInObjectCaseSensitive(doc, "version",
                                           cJSON_CreateString("2"));
    assert_int_equal(hfpatch_workspace_validate(doc, "direct", NULL),
                     HF_ERR_INVALID);
    assert_int_equal(hfpatch_workspace_validate(NULL, "direct", &err), HF_ERR_ARG);
    cJSON_Delete(doc);
}

static void test_null_arguments(void **state)
{
    (void)state;
    hf_workspace *ws = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_parse(NULL, "x", &ws, &err), HF_ERR_ARG);
    assert_int_equal(hf_workspace_parse(BASE, "x", NULL, &err), HF_ERR_ARG);
    assert_int_equal(hf_workspace_read(NULL, &ws, &err), HF_ERR_ARG);
    assert_null(ws);
    /* a NULL name still gives a usable message */
    assert_int_equal(hf_workspace_parse("{}", NULL, &ws, &err),
                     HF_ERR_INVALID);
    assert_non_null(strstr(err.msg, "missing required key 'channels'"));
    hf_workspace_free(NULL);
}

static void test_not_json_text(void **state)
{
    (void)state;
    hf_workspace *ws = NULL;
    hf_error err = {0};
    assert_int_equal(hf_workspace_parse("{\"channels\": [", "cut.json", &ws,
                                        &err),
                     HF_ERR_PARSE);
    assert_null(ws);
    assert_non_null(strstr(err.msg, "cut.json: not valid JSON"));
}

static void test_missing_file(void **state)
{
    (void)state;
    const char *path = "tests/no-such-dir/absent-workspace.json";
    hf_workspace *ws = (hf_workspace *)&ws;
    hf_error err = {0};
    assert_int_equal(hf_workspace_read(path, &ws, &err), HF_ERR_IO);
    assert_null(ws);
    assert_int_equal(err.code, HF_ERR_IO);
    assert_non_null(strstr(err.msg, path));
}

/* Writes `text` to a fresh temporary file whose name goes to `path`. */
static void write_temp(char *path, const char *text)
{
    strcpy(path, "/tmp/hf_test_validate_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
}

static void test_non_json_file(void **state)
{
    (void)state;
    char path[64];
    write_temp(path, "channels:\n  - name: SR\n");
    hf_workspace *ws = (hf_workspace *)&ws;
    hf_error err = {0};
    int rc = hf_workspace_read(path, &ws, &err);
    unlink(path);
    assert_int_equal(rc, HF_ERR_PARSE);
    assert_null(ws);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "not valid JSON"));
}

static void test_read_valid_and_invalid_file(void **state)
{
    (void)state;
    char path[64];
    write_temp(path, BASE);
    hf_workspace *ws = NULL;
    hf_error err = {0};
    int rc = hf_workspace_read(path, &ws, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, HF_OK);
    assert_non_null(ws);
    assert_string_equal(ws->source, path);
    hf_workspace_free(ws);
    unlink(path);

    /* a file-level fault names the file, then the path */
    char *text = mutate((op[3]){{'S', "/observations/0/data/0", "-2"}});
    write_temp(path, text);
    cJSON_free(text);
    rc = hf_workspace_read(path, &ws, &err);
    unlink(path);
    assert_int_equal(rc, HF_ERR_INVALID);
    assert_null(ws);
    char want[128];
    snprintf(want, sizeof want, "%s: observations[0].data[0]: observed count",
             path);
    assert_non_null(strstr(err.msg, want));
}

static int have_shared(void)
{
    struct stat st;
    if (stat("../shared/workspaces", &st) == 0 && S_ISDIR(st.st_mode))
        return 1;
    printf("[  SKIP    ] ../shared/workspaces is absent (run from the repo "
           "root): shared workspaces not checked\n");
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_shared_workspaces_load(void **state)
{
    (void)state;
    if (!have_shared()) {
        skip();
        return;
    }
    glob_t g;
    memset(&g, 0, sizeof g);
    glob("../shared/workspaces/real/*/BkgOnly.json", 0, NULL, &g);
    glob("../shared/workspaces/synthetic/*/BkgOnly.json", GLOB_APPEND, NULL,
         &g);
    printf("checking %zu shared workspaces\n", g.gl_pathc);
    assert_true(g.gl_pathc >= 2);
    int bad = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        hf_workspace *ws = NULL;
        hf_error err = {0};
        int rc = hf_workspace_read(g.gl_pathv[i], &ws, &err);
        if (rc != HF_OK) {
            print_error("%s: %s\n", g.gl_pathv[i], err.msg);
            bad++;
        } else if (!ws || strcmp(ws->source, g.gl_pathv[i]) != 0) {
            bad++;
        }
        hf_workspace_free(ws);
    }
    globfree(&g);
    assert_int_equal(bad, 0);
}

/* Validating the same tree repeatedly leaves it valid and unchanged; the
 * time is printed for information (bench/ measures speed). */
static void test_validate_speed(void **state)
{
    (void)state;
    const char *path = "../shared/workspaces/real/1Lbb_ATLAS-SUSY-2019-08/"
                       "BkgOnly.json";
    if (!have_shared() || access(path, R_OK) != 0) {
        skip();
        return;
    }
    char *text = NULL;
    hf_error err = {0};
    assert_int_equal(hfcore_file_read(path, &text, NULL, &err), HF_OK);
    cJSON *root = NULL;
    assert_int_equal(hfcore_json_parse(text, path, &root, &err), HF_OK);
    free(text);
    double best = 1e30;
    for (int i = 0; i < 5; i++) {
        double t0 = now_ms();
        assert_int_equal(hfpatch_workspace_validate(root, path, &err), HF_OK);
        double dt = now_ms() - t0;
        if (dt < best)
            best = dt;
    }
    cJSON_Delete(root);
    /* speed is measured in bench/, not asserted here */
    printf("validating 1Lbb BkgOnly.json: %.2f ms\n", best);
}

int main(void)
{
    struct CMUnitTest tests[NCASES + 8];
    size_t n = 0;
    for (size_t i = 0; i < NCASES; i++)
        tests[n++] = (struct CMUnitTest){cases[i].name, run_case, NULL, NULL,
                                         (void *)&cases[i]};
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_validate_direct);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_null_arguments);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_not_json_text);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_missing_file);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_non_json_file);
    tests[n++] =
        (struct CMUnitTest)cmocka_unit_test(test_read_valid_and_invalid_file);
    tests[n++] =
        (struct CMUnitTest)cmocka_unit_test(test_shared_workspaces_load);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_validate_speed);
    return _cmocka_run_group_tests("validate", tests, n, NULL, NULL);
}
