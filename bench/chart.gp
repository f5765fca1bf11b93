# bench/chart.png: µs per request per tool, HTTP and HTTPS, wall time and client CPU.
# Called by report.py: gnuplot -e "datafile='...'; outfile='...'; charttitle='...'" chart.gp
# Columns of datafile: tool, then (median, min, max) for wall/http, wall/https, cpu/http, cpu/https.
set terminal pngcairo size 1200,560 font "DejaVu Sans,11"
set output outfile
set multiplot layout 1,2 title charttitle font ",12"
set style data histograms
set style histogram errorbars gap 1.5 lw 1.2
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics lc rgb "#dddddd"
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set key top left
set ylabel "µs per request"
# Two bars per cluster with gap 1.5: each bar is 1/3.5 wide, centred 1/7 either side of the tool.
half = 1.0 / 7
label(m) = sprintf("%.0f", m)
set title "wall time per request"
plot datafile using 2:3:4:xtic(1) title "HTTP" lc rgb "#4c72b0", \
     '' using 5:6:7 title "HTTPS" lc rgb "#dd8452", \
     '' using ($0 - half):4:(label($2)) with labels offset 0,0.7 font ",9" notitle, \
     '' using ($0 + half):7:(label($5)) with labels offset 0,0.7 font ",9" notitle
set title "client CPU (user + sys) per request"
plot datafile using 8:9:10:xtic(1) title "HTTP" lc rgb "#4c72b0", \
     '' using 11:12:13 title "HTTPS" lc rgb "#dd8452", \
     '' using ($0 - half):10:(label($8)) with labels offset 0,0.7 font ",9" notitle, \
     '' using ($0 + half):13:(label($11)) with labels offset 0,0.7 font ",9" notitle
unset multiplot
