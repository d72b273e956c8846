# table.awk — selects columns of a CSV table by name, one block per group,
# for the gnuplot scripts (scaling, compare).  The driver has validated the
# table (columns present, numbers numeric) before this runs.
#
# usage: awk -f plots/table.awk -v mode=MODE -v group=COL[,COL] [-v cols=A,B,...]
#            [-v sort=COL] [-v g=N] TABLE.csv
# modes:
#   ngroups  how many distinct groups (values of the group columns)
#   label    the label of group g (1-based, in order of first appearance):
#            the first group column, plus the others in parentheses when
#            they vary across the table (e.g. "ssgd (mlp-4096)")
#   data     the cols of group g's rows, space-separated, sorted by sort
#   rows     every row's cols (no grouping), in file order, with the row
#            number (0-based) first
BEGIN { FS = "," }
NR == 1 {
    for (i = 1; i <= NF; i++) col[$i] = i
    ng = split(group, gcols, ",")
    nc = split(cols, ccols, ",")
    next
}
$0 == "" { next }
{
    key = ""
    for (i = 1; i <= ng; i++) key = key (i > 1 ? SUBSEP : "") $(col[gcols[i]])
    if (!(key in gid)) { gid[key] = ++groups; gkey[groups] = key }
    for (i = 1; i <= ng; i++) {
        v = $(col[gcols[i]])
        if (i in first_value && first_value[i] != v) varies[i] = 1
        if (!(i in first_value)) first_value[i] = v
    }
    line = ""
    for (i = 1; i <= nc; i++) line = line (i > 1 ? " " : "") $(col[ccols[i]])
    if (mode == "rows") print (rows++) " " line
    if (mode == "data" && gid[key] == g) {
        n++; row[n] = line; skey[n] = $(col[sort]) + 0
    }
}
END {
    if (mode == "ngroups") print groups + 0
    if (mode == "label") {
        split(gkey[g], parts, SUBSEP)
        label = parts[1]; extra = ""
        for (i = 2; i <= ng; i++) if (i in varies) extra = extra (extra == "" ? "" : ", ") parts[i]
        print label (extra == "" ? "" : " (" extra ")")
    }
    if (mode == "data") {
        for (i = 2; i <= n; i++) { # insertion sort: tables are small
            r = row[i]; k = skey[i]
            for (j = i - 1; j >= 1 && skey[j] > k; j--) { row[j + 1] = row[j]; skey[j + 1] = skey[j] }
            row[j + 1] = r; skey[j + 1] = k
        }
        for (i = 1; i <= n; i++) print row[i]
    }
}
