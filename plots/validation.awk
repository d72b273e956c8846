# validation.awk — a validation table's rows for validation.gp, one per
# line: measured and predicted iteration time (s), the set (fit or
# held-out; fit when the table has no `set` column) and the point's label
# in double quotes (the `label` column, else algo/nodes).  The driver has
# validated the table before this runs.
# usage: awk -f plots/validation.awk TABLE.csv
BEGIN { FS = "," }
NR == 1 {
    sub(/\r$/, "")
    for (i = 1; i <= NF; i++) col[$i] = i
    next
}
{ sub(/\r$/, "") }
$0 == "" { next }
{
    set = ("set" in col) ? $(col["set"]) : "fit"
    if (set != "held-out") set = "fit"
    if ("label" in col) label = $(col["label"])
    else if ("algo" in col) label = $(col["algo"]) "/" $(col["nodes"])
    else label = $(col["config"]) "/" $(col["nodes"])
    gsub(/"/, "'", label)
    print $(col["real_iter_time_s"]), $(col["sim_iter_time_s"]), set, "\"" label "\""
}
