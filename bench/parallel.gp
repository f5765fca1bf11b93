# bench/parallel.png: -Z (issue 14), one panel per section of bench/parallel.py that ran.
# Called by parallel_chart.py:
#   gnuplot -e "roundfile='...'; deadfile='...'; lower=0.5; outfile='...'; charttitle='...'" parallel.gp
# roundfile (or ''): bar label (\n: a new line), seconds. deadfile (or ''): a header row (the
# key's titles), then a bucket label and the percent of round starts within it for -Z all
# rounds, -Z rounds 2 and later, sequential.
set terminal pngcairo size 1200,620 font "DejaVu Sans,11"
set output outfile
panels = (roundfile ne '') + (deadfile ne '')
set multiplot layout 1,panels title charttitle font ",11"
set style fill solid 0.85 border -1
set grid ytics lc rgb "#dddddd"

if (roundfile ne '') {
  set title "one round of all URLs, wall time"
  set ylabel "seconds"
  set yrange [0:*]
  set offsets 0.2, 0.2, graph 0.12, 0
  set boxwidth 0.6
  set xtics nomirror
  set bmargin 4  # two-line bar names
  set key top left Left reverse
  colour(i) = i == 0 ? 0x4c72b0 : (i == 1 ? 0x8da0cb : 0xdd8452)
  # Values at the foot of the bars: at their tops they would sit on the two lines.
  plot roundfile using 0:2:(colour($0)):xtic(1) with boxes lc rgb variable notitle, \
       '' using 0:(0):(sprintf("%.3f s", $2)) with labels offset 0,1 font ",10" tc rgb "white" notitle, \
       lower with lines lw 2 dt 2 lc rgb "#2a2a2a" title sprintf("lower bound: %.2f s (URLs per origin x delay)", lower), \
       1.1 * lower with lines lw 2.5 lc rgb "#c44e52" title sprintf("goal: 1.1 x %.2f s", lower)
  unset offsets
  unset bmargin
}

if (deadfile ne '') {
  set title "a dead origin among 99 healthy, --interval 1:\nshare of round starts at most so late"
  set ylabel "% of round starts"
  set yrange [0:109]
  set ytics 0, 20, 100
  set style data histograms
  set style histogram clustered gap 1.2
  set boxwidth 0.9
  set key below left Left reverse vertical
  # In front of the bars, which it crosses; the key gets its entry from the NaN plot.
  set arrow from graph 0, first 99 to graph 1, first 99 nohead front lw 2.5 lc rgb "#c44e52"
  # Three bars per cluster with gap 1.2: each is 1/4.2 wide, the outer ones that far from the
  # middle. Only shares under 100 % are written (the ones that matter), upright inside the bar.
  bar = 1.0 / 4.2
  short(v) = v < 99.95 ? sprintf("%.1f", v) : ""
  # Every plot of the file reads its first row as the header, so the rows count from 0 in all.
  set key autotitle columnheader
  plot deadfile using 2:xtic(1) lc rgb "#4c72b0", \
       '' using 3 lc rgb "#55a868", \
       '' using 4 lc rgb "#dd8452", \
       '' using ($0 - bar):2:(short($2)) with labels rotate by 90 right offset 0,-0.4 font ",9" tc rgb "white" notitle, \
       '' using ($0):3:(short($3)) with labels rotate by 90 right offset 0,-0.4 font ",9" tc rgb "white" notitle, \
       '' using ($0 + bar):4:(short($4)) with labels rotate by 90 right offset 0,-0.4 font ",9" tc rgb "white" notitle, \
       NaN with lines lw 2.5 lc rgb "#c44e52" title "goal: 99 % of round starts at most 5 ms late"
}
unset multiplot
