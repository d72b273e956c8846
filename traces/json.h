/* json.h — reads the one-line JSON summaries dsgd-sim and dsgd-run print.
 *
 * Just enough JSON for those lines: one object whose values are strings,
 * numbers, true/false/null, or arrays of strings and numbers (the `flags`
 * list).  Nested objects are refused.  dsgd-validate reads real runs'
 * summaries with it; any tool reading a summary may. */
#ifndef DSGD_JSON_H
#define DSGD_JSON_H

#include <stddef.h>

typedef enum dsgd_json_type {
    DSGD_JSON_NULL,
    DSGD_JSON_BOOL,
    DSGD_JSON_NUMBER,
    DSGD_JSON_STRING,
    DSGD_JSON_ARRAY,
} dsgd_json_type;

typedef struct dsgd_json_value {
    dsgd_json_type type;
    double number; /* NUMBER; BOOL: 0 or 1 */
    char *string;  /* STRING */
    char **items;  /* ARRAY: each item as text (strings unescaped, numbers as written) */
    size_t n_items;
} dsgd_json_value;

typedef struct dsgd_json {
    size_t n;
    char **keys;
    dsgd_json_value *values;
} dsgd_json;

/* Parses text (one object, whitespace around it allowed) into out.
 * Returns 0, or -1 with a one-line reason naming the column (1-based) in
 * err; out is then empty.  Free with dsgd_json_free either way. */
int dsgd_json_parse(const char *text, dsgd_json *out, char *err, size_t errlen);
void dsgd_json_free(dsgd_json *j);

/* The value of key (the last one if repeated), or NULL. */
const dsgd_json_value *dsgd_json_get(const dsgd_json *j, const char *key);
/* The string at key, or NULL when absent or not a string. */
const char *dsgd_json_string(const dsgd_json *j, const char *key);
/* The number at key; NaN when absent, null or not a number. */
double dsgd_json_number(const dsgd_json *j, const char *key);

#endif
