/* option.c — parsing, defaults and help of option tables (see option.h). */
#include "core/option.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const dsgd_option *dsgd_option_find(const dsgd_option *table, const char *name, size_t len)
{
    for (const dsgd_option *o = table; o && o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

/* Whether value is one of the '|'-separated choices. */
static int is_choice(const char *value, const char *choices)
{
    size_t len = strlen(value);
    for (const char *c = choices; c; c = strchr(c, '|') ? strchr(c, '|') + 1 : NULL)
        if (strncmp(c, value, len) == 0 && (c[len] == '|' || c[len] == '\0'))
            return 1;
    return 0;
}

static int has_max(const dsgd_option *o) { return o->max > o->min; }

static int bad_number(const dsgd_option *o, const char *value, const char *kind, char *err,
                      size_t errlen)
{
    if (has_max(o))
        snprintf(err, errlen, "--%s: bad value '%s' (want %s from %g to %g)", o->name, value, kind,
                 o->min, o->max);
    else
        snprintf(err, errlen, "--%s: bad value '%s' (want %s >= %g)", o->name, value, kind, o->min);
    return -1;
}

static int set_integer(const dsgd_option *o, char *field, const char *value, char *err,
                       size_t errlen)
{
    char *end = NULL;
    errno = 0;
    if (o->type == DSGD_OPT_U64) {
        unsigned long long u = strtoull(value, &end, 10);
        if (value[0] == '-' || end == value || *end || errno)
            return bad_number(o, value, "an integer", err, errlen);
        *(uint64_t *)field = u;
        return 0;
    }
    long long v = strtoll(value, &end, 10);
    long long max = o->type == DSGD_OPT_INT ? 1LL << 30 : 1LL << 53;
    if (has_max(o) && o->max < (double)max)
        max = (long long)o->max;
    if (end == value || *end || errno || v < o->min || v > max)
        return bad_number(o, value, "an integer", err, errlen);
    if (o->type == DSGD_OPT_LONG)
        *(long *)field = (long)v;
    else
        *(int *)field = (int)v;
    return 0;
}

int dsgd_option_set(const dsgd_option *o, void *base, const char *value, char *err, size_t errlen)
{
    char *field = (char *)base + o->offset;
    switch (o->type) {
    case DSGD_OPT_STR:
        if (strlen(value) >= o->size || value[0] == '\0') {
            snprintf(err, errlen, "--%s: value '%.200s' is empty or too long (at most %zu bytes)",
                     o->name, value, o->size - 1);
            return -1;
        }
        if (o->choices && !is_choice(value, o->choices)) {
            snprintf(err, errlen, "--%s: bad value '%.200s' (want %s)", o->name, value, o->choices);
            return -1;
        }
        memcpy(field, value, strlen(value) + 1);
        return 0;
    case DSGD_OPT_LIST: {
        dsgd_strlist *list = (dsgd_strlist *)field;
        if (list->n == DSGD_MAX_LIST) {
            snprintf(err, errlen, "--%s: more than %d items", o->name, DSGD_MAX_LIST);
            return -1;
        }
        /* the metavar shows the separator the value needs (':' or '@') */
        const char *sep = o->metavar ? strpbrk(o->metavar, ":@") : NULL;
        if (sep && !strchr(value, *sep)) {
            snprintf(err, errlen, "--%s: '%.200s' is not %s", o->name, value, o->metavar);
            return -1;
        }
        list->items[list->n++] = value;
        return 0;
    }
    case DSGD_OPT_BOOL:
        if (strcmp(value, "1") != 0 && strcmp(value, "0") != 0) {
            snprintf(err, errlen, "flag '--%s' takes no value", o->name);
            return -1;
        }
        *(int *)field = value[0] == '1';
        return 0;
    case DSGD_OPT_DOUBLE: {
        char *end = NULL;
        errno = 0;
        double v = strtod(value, &end);
        if (end == value || *end || errno || !isfinite(v) || v < o->min ||
            (has_max(o) && v > o->max))
            return bad_number(o, value, "a number", err, errlen);
        *(double *)field = v;
        return 0;
    }
    case DSGD_OPT_INT:
    case DSGD_OPT_LONG:
    case DSGD_OPT_U64: return set_integer(o, field, value, err, errlen);
    }
    snprintf(err, errlen, "--%s: option of unknown type", o->name);
    return -1;
}

/* The shortest of %.15g..%.17g that reads back as v. */
static void format_double(double v, char *buf, size_t len)
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, len, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

int dsgd_option_format(const dsgd_option *o, const void *base, char *buf, size_t len)
{
    const char *field = (const char *)base + o->offset;
    buf[0] = '\0';
    switch (o->type) {
    case DSGD_OPT_STR:
        if (field[0] == '\0')
            return 0;
        snprintf(buf, len, "%s", field);
        return 1;
    case DSGD_OPT_BOOL: return *(const int *)field != 0;
    case DSGD_OPT_INT:
        if (!o->def && *(const int *)field == 0)
            return 0;
        snprintf(buf, len, "%d", *(const int *)field);
        return 1;
    case DSGD_OPT_LONG:
        if (!o->def && *(const long *)field == 0)
            return 0;
        snprintf(buf, len, "%ld", *(const long *)field);
        return 1;
    case DSGD_OPT_U64:
        if (!o->def && *(const uint64_t *)field == 0)
            return 0;
        snprintf(buf, len, "%llu", (unsigned long long)*(const uint64_t *)field);
        return 1;
    case DSGD_OPT_DOUBLE:
        if (!o->def && *(const double *)field == 0)
            return 0;
        format_double(*(const double *)field, buf, len);
        return 1;
    case DSGD_OPT_LIST: return 0;
    }
    return 0;
}

int dsgd_option_defaults(const dsgd_option *table, void *base, char *err, size_t errlen)
{
    for (const dsgd_option *o = table; o && o->name; o++) {
        memset((char *)base + o->offset, 0, o->type == DSGD_OPT_LIST ? sizeof(dsgd_strlist)
                                             : o->type == DSGD_OPT_STR  ? o->size
                                                                        : 0);
        if (o->def && dsgd_option_set(o, base, o->def, err, errlen) != 0)
            return -1;
    }
    return 0;
}

void dsgd_option_usage(FILE *out, const dsgd_option *table, dsgd_program prog)
{
    for (const dsgd_option *o = table; o && o->name; o++) {
        if (o->progs && !(o->progs & prog))
            continue;
        char lhs[64];
        snprintf(lhs, sizeof lhs, "--%s%s%s", o->name, o->metavar ? " " : "",
                 o->metavar ? o->metavar : "");
        fprintf(out, "  %-26s %s", lhs, o->help);
        if (o->def && o->type != DSGD_OPT_BOOL)
            fprintf(out, " (default %s)", o->def);
        fputc('\n', out);
    }
}

int dsgd_component_options_new(const dsgd_component *c, void **options, char *err, size_t errlen)
{
    *options = NULL;
    if (c->options_size == 0)
        return 0;
    if (!(*options = calloc(1, c->options_size))) {
        snprintf(err, errlen, "out of memory for the options of %s", c->name);
        return -1;
    }
    if (dsgd_option_defaults(c->options, *options, err, errlen) != 0) {
        free(*options);
        *options = NULL;
        return -1;
    }
    return 0;
}

void dsgd_component_usage(FILE *out, const dsgd_component *c, dsgd_program prog)
{
    fprintf(out, "%-18s %s\n", c->name, c->summary);
    dsgd_option_usage(out, c->options, prog);
}
