/* option.h — options and the components that own them.
 *
 * Everything pluggable (an SGD variant, a model, a data set, an allreduce
 * algorithm, a collective model) is a *component*: a name, a one-line
 * summary, and a table of the options it reads, stored in an options struct
 * of its own.  The table is the only place an option is declared: parsing,
 * range checks, defaults, --help and `--algo list` all read it, the way Open
 * MPI components register their parameters.  The program's command line
 * (config.c) is a generic parser over these tables. */
#ifndef DSGD_OPTION_H
#define DSGD_OPTION_H

#include <stddef.h>
#include <stdio.h>

typedef enum dsgd_program { DSGD_PROG_SIM = 1, DSGD_PROG_RUN = 2 } dsgd_program;
#define DSGD_PROG_BOTH (DSGD_PROG_SIM | DSGD_PROG_RUN)

typedef enum dsgd_opt_type {
    DSGD_OPT_STR,    /* char[size]; `choices` may restrict it */
    DSGD_OPT_INT,    /* int */
    DSGD_OPT_LONG,   /* long */
    DSGD_OPT_U64,    /* uint64_t */
    DSGD_OPT_DOUBLE, /* double, finite */
    DSGD_OPT_BOOL,   /* int, set to 1 by the bare flag (takes no value) */
    DSGD_OPT_LIST,   /* dsgd_strlist, repeatable */
} dsgd_opt_type;

typedef struct dsgd_option {
    const char *name; /* the flag without its leading "--"; NULL ends a table */
    dsgd_opt_type type;
    size_t offset, size; /* the field in the owner's options struct (DSGD_OPT_AT) */
    const char *def;     /* default as it would be typed; NULL: zero (help says why) */
    double min, max;     /* numeric range, inclusive; max <= min: no upper bound */
    const char *metavar; /* NULL for booleans */
    const char *help;    /* one line; "(default DEF)" is appended from def */
    const char *choices; /* DSGD_OPT_STR: the allowed values, '|'-separated */
    unsigned progs;      /* DSGD_PROG_* that accept it; 0: both */
    int output;          /* 1: says where results go (--trace, --json), not what runs:
                          * left out of a run's replayable flags (dsgd_config_flags) */
} dsgd_option;

/* .offset and .size of field `f` of struct type `T`, for a table entry. */
#define DSGD_OPT_AT(T, f) .offset = offsetof(T, f), .size = sizeof(((T *)0)->f)

#define DSGD_MAX_LIST 16
/* A repeatable option's values (pointers into argv). */
typedef struct dsgd_strlist {
    int n;
    const char *items[DSGD_MAX_LIST];
} dsgd_strlist;

/* What every pluggable thing starts with (first member of its descriptor,
 * so a pointer to the descriptor is a pointer to its component). */
typedef struct dsgd_component {
    const char *name;
    const char *summary;          /* one line */
    const dsgd_option *options;   /* ends with a {NULL} entry; NULL: none */
    size_t options_size;          /* sizeof its options struct; 0: none */
} dsgd_component;

/* The option of `table` named name[0..len), or NULL. */
const dsgd_option *dsgd_option_find(const dsgd_option *table, const char *name, size_t len);
/* Parses `value` into the option's field of `base`.  Returns 0, or -1 with
 * a one-line reason naming the flag and the value in err. */
int dsgd_option_set(const dsgd_option *o, void *base, const char *value, char *err,
                    size_t errlen);
/* Writes the option's value in base as it would be typed ("0.05", "ssgd";
 * numbers round-trip exactly) into buf.  Returns 1; 0 when the option is
 * unset (a boolean that is off, or an option without default still at
 * zero or empty: nothing to type), buf then empty.  Not for lists. */
int dsgd_option_format(const dsgd_option *o, const void *base, char *buf, size_t len);
/* Sets every option of the table in base to its default.  Returns 0, or -1
 * (a table whose default does not parse: a bug, reported in err). */
int dsgd_option_defaults(const dsgd_option *table, void *base, char *err, size_t errlen);
/* Prints "  --name METAVAR   help (default DEF)" for the options of table
 * that program prog accepts. */
void dsgd_option_usage(FILE *out, const dsgd_option *table, dsgd_program prog);

/* A new options struct for component c, filled with its defaults; NULL
 * when it has none or on failure (err says which).  free() it. */
int dsgd_component_options_new(const dsgd_component *c, void **options, char *err, size_t errlen);
/* Prints "name  summary" and its options (for --algo list, --help). */
void dsgd_component_usage(FILE *out, const dsgd_component *c, dsgd_program prog);

#endif
