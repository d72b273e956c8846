/* json.c — a reader for the one-line JSON summaries (see json.h). */
#include "traces/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const char *text, *p;
    char *err;
    size_t errlen;
} parser;

static int fail(parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(parser *ps, const char *fmt, ...)
{
    if (ps->err[0]) /* the first (innermost) reason stands */
        return -1;
    int used = snprintf(ps->err, ps->errlen, "column %zu%s: ", (size_t)(ps->p - ps->text) + 1,
                        *ps->p ? "" : " (the end: cut short?)");
    va_list ap;
    va_start(ap, fmt);
    if (used > 0 && (size_t)used < ps->errlen)
        vsnprintf(ps->err + used, ps->errlen - (size_t)used, fmt, ap);
    va_end(ap);
    return -1;
}

static void skip_space(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
        ps->p++;
}

/* A string at ps->p (after its opening quote is checked here) into a new
 * buffer; \uXXXX escapes outside ASCII become '?' (the summaries hold none). */
static int parse_string(parser *ps, char **out)
{
    *out = NULL;
    if (*ps->p != '"')
        return fail(ps, "expected a string");
    const char *start = ++ps->p;
    char *buf = malloc(strlen(start) + 1), *w = buf;
    if (!buf)
        return fail(ps, "out of memory");
    for (;;) {
        char c = *ps->p;
        if (c == '\0') {
            free(buf);
            return fail(ps, "unterminated string");
        }
        if ((unsigned char)c < ' ') {
            free(buf);
            return fail(ps, "control character in a string");
        }
        ps->p++;
        if (c == '"')
            break;
        if (c != '\\') {
            *w++ = c;
            continue;
        }
        char e = *ps->p++;
        switch (e) {
        case '"':
        case '\\':
        case '/': *w++ = e; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            unsigned v = 0;
            for (int i = 0; i < 4; i++, ps->p++) {
                char h = *ps->p;
                int d = h >= '0' && h <= '9'   ? h - '0'
                        : h >= 'a' && h <= 'f' ? h - 'a' + 10
                        : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                               : -1;
                if (d < 0) {
                    free(buf);
                    return fail(ps, "bad \\u escape");
                }
                v = v * 16 + (unsigned)d;
            }
            *w++ = v < 128 ? (char)v : '?';
            break;
        }
        default:
            ps->p--;
            free(buf);
            return fail(ps, "bad escape '\\%c'", e ? e : '0');
        }
    }
    *w = '\0';
    *out = buf;
    return 0;
}

/* A number as JSON writes it; *text gets its characters. */
static int parse_number(parser *ps, double *v, char **text)
{
    const char *start = ps->p;
    const char *q = ps->p;
    if (*q == '-')
        q++;
    if (!(*q >= '0' && *q <= '9'))
        return fail(ps, "expected a value (string, number, true, false, null or array)");
    char *end;
    *v = strtod(start, &end);
    if (end == start || !isfinite(*v))
        return fail(ps, "bad number");
    ps->p = end;
    if (text) {
        size_t len = (size_t)(end - start);
        if (!(*text = malloc(len + 1)))
            return fail(ps, "out of memory");
        memcpy(*text, start, len);
        (*text)[len] = '\0';
    }
    return 0;
}

static int parse_word(parser *ps, const char *word)
{
    size_t len = strlen(word);
    if (strncmp(ps->p, word, len) != 0)
        return fail(ps, "expected a value (string, number, true, false, null or array)");
    ps->p += len;
    return 0;
}

static int parse_array(parser *ps, dsgd_json_value *v)
{
    v->type = DSGD_JSON_ARRAY;
    ps->p++; /* '[' */
    skip_space(ps);
    if (*ps->p == ']') {
        ps->p++;
        return 0;
    }
    for (;;) {
        skip_space(ps);
        char **grown = realloc(v->items, sizeof *grown * (v->n_items + 1));
        if (!grown)
            return fail(ps, "out of memory");
        v->items = grown;
        char *item = NULL;
        double number;
        if (*ps->p == '"' ? parse_string(ps, &item) : parse_number(ps, &number, &item))
            return fail(ps, "array items must be strings or numbers");
        v->items[v->n_items++] = item;
        skip_space(ps);
        if (*ps->p == ']') {
            ps->p++;
            return 0;
        }
        if (*ps->p != ',')
            return fail(ps, "expected ',' or ']' in an array");
        ps->p++;
    }
}

static int parse_value(parser *ps, dsgd_json_value *v)
{
    memset(v, 0, sizeof *v);
    switch (*ps->p) {
    case '"': v->type = DSGD_JSON_STRING; return parse_string(ps, &v->string);
    case '[': return parse_array(ps, v);
    case '{': return fail(ps, "nested objects are not supported");
    case 't': v->type = DSGD_JSON_BOOL, v->number = 1; return parse_word(ps, "true");
    case 'f': v->type = DSGD_JSON_BOOL; return parse_word(ps, "false");
    case 'n': v->type = DSGD_JSON_NULL; return parse_word(ps, "null");
    default: v->type = DSGD_JSON_NUMBER; return parse_number(ps, &v->number, NULL);
    }
}

static void value_free(dsgd_json_value *v)
{
    free(v->string);
    for (size_t i = 0; i < v->n_items; i++)
        free(v->items[i]);
    free(v->items);
    memset(v, 0, sizeof *v);
}

static int parse_members(parser *ps, dsgd_json *out)
{
    for (;;) {
        skip_space(ps);
        char *key;
        if (*ps->p != '"')
            return fail(ps, "expected a key");
        if (parse_string(ps, &key) != 0)
            return -1;
        char **keys = realloc(out->keys, sizeof *keys * (out->n + 1));
        dsgd_json_value *values = keys ? realloc(out->values, sizeof *values * (out->n + 1)) : NULL;
        if (keys)
            out->keys = keys;
        if (!values) {
            free(key);
            return fail(ps, "out of memory");
        }
        out->values = values;
        out->keys[out->n] = key;
        memset(&out->values[out->n], 0, sizeof out->values[out->n]);
        out->n++;
        skip_space(ps);
        if (*ps->p != ':')
            return fail(ps, "expected ':' after key \"%.60s\"", key);
        ps->p++;
        skip_space(ps);
        if (parse_value(ps, &out->values[out->n - 1]) != 0)
            return -1;
        skip_space(ps);
        if (*ps->p == '}') {
            ps->p++;
            return 0;
        }
        if (*ps->p != ',')
            return fail(ps, "expected ',' or '}' after the value of \"%.60s\"", key);
        ps->p++;
    }
}

int dsgd_json_parse(const char *text, dsgd_json *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    err[0] = '\0';
    parser ps = {text, text, err, errlen};
    skip_space(&ps);
    int rc;
    if (*ps.p != '{')
        rc = fail(&ps, "expected '{' (a JSON object)");
    else {
        ps.p++;
        skip_space(&ps);
        rc = *ps.p == '}' ? (ps.p++, 0) : parse_members(&ps, out);
    }
    if (rc == 0) {
        skip_space(&ps);
        if (*ps.p)
            rc = fail(&ps, "text after the object");
    }
    if (rc != 0)
        dsgd_json_free(out);
    return rc;
}

void dsgd_json_free(dsgd_json *j)
{
    for (size_t i = 0; i < j->n; i++) {
        free(j->keys[i]);
        value_free(&j->values[i]);
    }
    free(j->keys);
    free(j->values);
    memset(j, 0, sizeof *j);
}

const dsgd_json_value *dsgd_json_get(const dsgd_json *j, const char *key)
{
    for (size_t i = j->n; i-- > 0;)
        if (strcmp(j->keys[i], key) == 0)
            return &j->values[i];
    return NULL;
}

const char *dsgd_json_string(const dsgd_json *j, const char *key)
{
    const dsgd_json_value *v = dsgd_json_get(j, key);
    return v && v->type == DSGD_JSON_STRING ? v->string : NULL;
}

double dsgd_json_number(const dsgd_json *j, const char *key)
{
    const dsgd_json_value *v = dsgd_json_get(j, key);
    return v && v->type == DSGD_JSON_NUMBER ? v->number : NAN;
}
