# stats.bash - the small arithmetic the bench scripts share (sourced).
# calc DIGITS EXPR: EXPR evaluated by awk, printed with DIGITS decimals
calc() { awk "BEGIN { printf \"%.${1}f\", $2 }"; }
# best / med: the smallest / the median of the numbers on stdin, one a line
best() { sort -g | head -1; }
med() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# elapsed T0 T1: seconds between two $EPOCHREALTIME readings
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
